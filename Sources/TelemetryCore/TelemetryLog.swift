import Foundation
import TelemetryRules

/// The small local log where telemetry problems go instead of the user's terminal. Capped:
/// past `maxBytes` the file is rotated to `telemetry.log.1` (one generation kept). Written
/// only into a telemetry folder that passes `PrivateDirectory`'s checks, never through a
/// link or into a FIFO.
package struct TelemetryLog: Sendable {
    package let path: String
    let directory: String
    package let maxBytes: Int
    /// Also copy each line to stderr (`CFDEV_TELEMETRY_DEBUG=1`).
    package let echoToStderr: Bool

    package init(home: TelemetryHome, maxBytes: Int = 256 * 1024, echoToStderr: Bool = false) {
        path = home.logPath
        directory = home.directory
        self.maxBytes = maxBytes
        self.echoToStderr = echoToStderr
    }

    /// Appends one line; never throws and never writes to the terminal unless debugging.
    package func write(_ message: String) {
        let line =
            Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds()) + " [\(getpid())] "
            + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        if echoToStderr {
            SafeFile.writeAll(2, Array(("cfdev-telemetry: " + message + "\n").utf8))
        }
        guard PrivateDirectory.check(directory) == nil else { return }
        guard case .success(var fd) = SafeFile.openRegular(path, flags: O_WRONLY | O_APPEND | O_CREAT, mode: 0o600) else { return }
        var info = stat()
        if fstat(fd, &info) == 0 && Int(info.st_size) > maxBytes && rename(path, path + ".1") == 0 {
            close(fd)
            guard case .success(let fresh) = SafeFile.openRegular(path, flags: O_WRONLY | O_APPEND | O_CREAT, mode: 0o600) else { return }
            fd = fresh
        }
        defer { close(fd) }
        SafeFile.writeAll(fd, Array(line.utf8))
    }
}
