import ArgumentParser
import TelemetryCore

/// `cfdev-telemetry`: consent, transparency, the spool, the upload and the report.
@main
struct CFDevTelemetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cfdev-telemetry",
        abstract: "Anonymous, opt-in usage telemetry for cf dev.",
        discussion: """
            The `cf` shim records a fixed list of CF Dev commands into a local spool when you
            have agreed to it; this command shows and manages that spool and uploads it.
            Set DO_NOT_TRACK=1 or CFDEV_TELEMETRY_DISABLED=1 to turn everything off.
            """,
        version: BuildInfo.version,
        subcommands: [
            On.self, Off.self, Status.self, Show.self, Flush.self, Doctor.self, Purge.self, InstallShim.self,
        ]
    )
}
