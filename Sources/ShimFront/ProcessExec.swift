import Platform
import TelemetryRules

/// `execv` of exact bytes: replaces this process. Returns the `errno` if it failed.
package enum ProcessExec {
    package static func exec(path: [UInt8], arguments: CommandLineBytes) -> Int32 {
        withCPath(path) { cPath in
            arguments.withArgv { argv in
                execv(cPath, argv)
                return errno
            }
        }
    }

    /// `execv` of this process's own, untouched `argv` (the pass-through path: no copy).
    package static func execOwnArguments(path: [UInt8]) -> Int32 {
        withCPath(path) { cPath in
            execv(cPath, CommandLine.unsafeArgv)
            return errno
        }
    }

    /// Writes one line to stderr with plain `write`.
    package static func writeError(_ line: String) {
        SafeFile.writeAll(2, Array((line + "\n").utf8))
    }
}
