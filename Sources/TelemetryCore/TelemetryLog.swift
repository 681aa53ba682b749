import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The small local log where telemetry problems go instead of the user's terminal. Capped:
/// past `maxBytes` the file is rotated to `telemetry.log.1` (one generation kept).
public struct TelemetryLog: Sendable {
    public let path: String
    public let maxBytes: Int
    /// Also copy each line to stderr (`CFDEV_TELEMETRY_DEBUG=1`).
    public let echoToStderr: Bool

    public init(home: TelemetryHome, maxBytes: Int = 256 * 1024, echoToStderr: Bool = false) {
        path = home.logPath
        self.maxBytes = maxBytes
        self.echoToStderr = echoToStderr
    }

    /// Appends one line; never throws and never writes to the terminal unless debugging.
    public func write(_ message: String) {
        let line = Timestamp.iso8601(milliseconds: Timestamp.nowMilliseconds()) + " [\(getpid())] "
            + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        if echoToStderr {
            FileHandle.standardError.write(Data(("cfdev-telemetry: " + message + "\n").utf8))
        }
        var info = stat()
        if stat(path, &info) == 0 && Int(info.st_size) > maxBytes {
            _ = rename(path, path + ".1")
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
