#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `execv` with Swift strings: replaces this process. Returns the `errno` if it failed.
public enum ProcessExec {
    public static func exec(path: String, arguments: [String]) -> Int32 {
        ChildProcess.withCStrings(arguments) { argv in
            execv(path, argv)
            return errno
        }
    }

    /// Writes one line to stderr with plain `write`.
    public static func writeError(_ line: String) {
        writeAll(2, line + "\n")
    }

    /// Writes all of `text` to `fd` with plain `write` (retrying short writes and EINTR).
    public static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
