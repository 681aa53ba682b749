import Platform
import TelemetryRules

/// `execv` of exact bytes: replaces this process. Returns the `errno` if it failed.
public enum ProcessExec {
    public static func exec(path: [UInt8], arguments: CommandLineBytes) -> Int32 {
        withCPath(path) { cPath in
            arguments.withArgv { argv in
                execv(cPath, argv)
                return errno
            }
        }
    }

    /// `execv` of this process's own, untouched `argv` (the pass-through path: no copy).
    public static func execOwnArguments(path: [UInt8]) -> Int32 {
        withCPath(path) { cPath in
            execv(cPath, CommandLine.unsafeArgv)
            return errno
        }
    }

    /// Writes one line to stderr with plain `write`.
    public static func writeError(_ line: String) {
        SafeFile.writeAll(2, Array((line + "\n").utf8))
    }
}
