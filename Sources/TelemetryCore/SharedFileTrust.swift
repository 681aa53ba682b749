import Foundation

/// Whether a file other users of the machine could have written may be trusted, as OpenSSH
/// checks its own configuration: the file (links resolved) and every folder above it must be
/// owned by root or by the user running this, and writable by no one else. A folder writable by
/// everyone with the sticky bit (`/tmp`) is allowed: there no one can replace another's entry.
/// Used for the shipped defaults, which name where every upload goes.
package enum SharedFileTrust {
    /// nil when `path` may be trusted; else why not, as a phrase (`writable by other users
    /// (mode 0666)`), naming the path that is the problem when it is a folder above.
    package static func problem(path: String, user: uid_t = geteuid()) -> String? {
        guard let resolved = realpath(path, nil) else { return "cannot be resolved (\(String(cString: strerror(errno))))" }
        let real = String(cString: resolved)
        free(resolved)
        var current = real
        var isFile = true
        while true {
            var info = stat()
            guard lstat(current, &info) == 0 else { return "\(shown(current, real)) cannot be looked at" }
            let mode = info.st_mode
            let what = shown(current, real)
            if info.st_uid != 0 && info.st_uid != user {
                return "\(what) is owned by another user (uid \(info.st_uid))"
            }
            let sticky = (mode & S_ISVTX) != 0 && (mode & S_IFMT) == S_IFDIR
            if (mode & 0o022) != 0 && !(sticky && !isFile) {
                return "\(what) is writable by other users (mode \(String(format: "%04o", Int(mode & 0o7777))))"
            }
            isFile = false
            if current == "/" { return nil }
            current = (current as NSString).deletingLastPathComponent
            if current.isEmpty { current = "/" }
        }
    }

    private static func shown(_ component: String, _ file: String) -> String {
        component == file ? "it" : "its folder \(DisplayText.sanitized(component, limit: 200))"
    }
}
