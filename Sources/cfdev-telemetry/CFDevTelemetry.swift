import ArgumentParser
import Platform
import ShimFront
import ShimKit
import TelemetryCore
import TelemetryRules

/// `cfdev-telemetry`: consent, transparency, the spool, the upload and the report.
@main
struct CFDevTelemetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cfdev-telemetry",
        abstract: "Anonymous, opt-in usage telemetry for cf dev.",
        discussion: """
            The `cf` shim records a fixed list of CF Dev commands into a local spool when you \
            have agreed to it; this command shows and manages that spool and uploads it. \
            Set DO_NOT_TRACK=1 or CFDEV_TELEMETRY_DISABLED=1 to turn everything off.
            """,
        version: BuildInfo.version,
        subcommands: [
            On.self, Off.self, Forget.self, Status.self, Show.self, Flush.self, Doctor.self, Purge.self, InstallShim.self, Uninstall.self,
            Report.self, Compact.self, Retention.self, Policy.self,
        ]
    )

    /// `cfdev-telemetry __shim REAL_CF ARGV…` (the shim in the foreground, handed over by
    /// the shim's lean front with `exec`) and `cfdev-telemetry __record` (the shim's
    /// detached recorder, its request on stdin) are dispatched before any argument parsing; everything else is
    /// the command-line interface.
    static func main() async {
        let commandLine = CommandLineBytes.current()
        let words = commandLine.text
        if words.count >= 3 && words[1] == ShimFront.handoffCommand {
            Shim.main(
                realCF: commandLine.arguments[2], commandLine: commandLine.dropFirst(3),
                telemetryCommand: CFDevTelemetryCommand.run)
        }
        if words.count == 2 && words[1] == ShimFront.recordCommand {
            DetachedRecording.main()
        }
        await runCommandLine(Self.self)
    }
}

/// The library's own entry point for an async root command (parse, then run the async
/// `run()` of the chosen subcommand), reached through a generic so that it is not shadowed.
/// A command that succeeded but whose output could not be written (a full disk, a closed
/// standard output) says so and exits 1, as coreutils do, rather than 0 with the output lost.
func runCommandLine<Root: AsyncParsableCommand>(_ root: Root.Type) async {
    await root.main()
    if fflush(nil) != 0 {
        printError("Error: cannot write to standard output: \(SafeFile.describe(errno))")
        exit(1)
    }
}
