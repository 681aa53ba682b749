import Foundation

/// Reads a small settings file without trusting it: never blocks on a FIFO or device (opened
/// non-blocking, regular files only) and never reads more than `maxBytes`.
public enum BoundedFileRead {
    /// The file's bytes; nil when nothing is there. Throws a one-line error for anything that
    /// is there but not a regular file, unreadable, or larger than `maxBytes`.
    public static func contents(of path: String, maxBytes: Int) throws -> Data? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw TelemetryError.configuration("\(path): cannot be read (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw TelemetryError.configuration("\(path): not a regular file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw TelemetryError.configuration("\(path): larger than \(maxBytes / 1024) KiB")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while data.count <= maxBytes {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw TelemetryError.configuration("\(path): cannot be read (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        guard data.count <= maxBytes else {
            throw TelemetryError.configuration("\(path): larger than \(maxBytes / 1024) KiB")
        }
        return data
    }
}
