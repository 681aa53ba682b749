import Foundation
import TelemetryRules

/// Reads a small settings file (or a CA bundle) without trusting it, through `SafeFile`: never
/// blocks on a FIFO or device, regular files only, never more than `maxBytes`. Links are
/// followed: these files often are links (`/etc/ssl/certs/…`, a dotfile manager's config).
package enum BoundedFileRead {
    /// The file's bytes; nil when nothing is there. Throws a one-line error for anything that
    /// is there but not a regular file, unreadable, or larger than `maxBytes`.
    package static func contents(of path: String, maxBytes: Int) throws -> Data? {
        let fd: Int32
        switch SafeFile.openRegular(path, flags: O_RDONLY, followingLinks: true) {
        case .success(let opened): fd = opened
        case .failure(let problem) where problem.code == ENOENT || problem.code == ENOTDIR: return nil
        case .failure(let problem) where problem.code == EINVAL:
            throw TelemetryError.configuration("\(path): not a regular file")
        case .failure(let problem): throw TelemetryError.configuration("\(path): cannot be read (\(problem.reason))")
        }
        defer { close(fd) }
        switch SafeFile.read(descriptor: fd, limit: maxBytes) {
        case .contents(let bytes): return Data(bytes)
        case .missing: return nil
        case .tooLarge: throw TelemetryError.configuration("\(path): larger than \(maxBytes / 1024) KiB")
        case .refused(let reason): throw TelemetryError.configuration("\(path): cannot be read (\(reason))")
        }
    }
}
