import Platform

/// What is at a path, looked at without following a link at its last component (`lstat`):
/// the one check behind "only regular files are opened" and "a link is removed, not followed".
package enum FileKind: Equatable, Sendable {
    case absent
    case regular
    case directory
    case symbolicLink
    /// A FIFO, a socket or a device.
    case special
    /// `lstat` failed for another reason than absence (a folder on the way not searchable…).
    case unknown

    package init(atPath path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            self = errno == ENOENT || errno == ENOTDIR ? .absent : .unknown
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        default: self = .special
        }
    }
}
