import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules

/// What every subcommand starts from: the environment, the telemetry home, its log.
struct Context {
    let environment: [String: String]
    let home: TelemetryHome
    let log: TelemetryLog

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        home = TelemetryHome(environment: environment)
        log = TelemetryLog(home: home, echoToStderr: EnvironmentSwitches.isDebugging { environment[$0] })
    }

    var recorder: Recorder { Recorder(home: home, environment: environment, log: log) }

    /// The resolved settings of the team's commands (which also read the general AWS
    /// variables); a malformed file or variable is a one-line error. Unknown keys are printed as
    /// warnings on stderr.
    func teamSettings() throws -> TelemetrySettings {
        try resolvedSettings(upload: nil, audience: .team).settings
    }

    /// The settings with their origins, `upload`'s flags applied. Warnings go to stderr, or
    /// only to the log when `quiet`.
    func resolvedSettings(upload: UploadOptions?, audience: SettingsAudience, quiet: Bool = false) throws -> ResolvedSettings {
        var resolved = try SettingsLoader.resolve(home: home, environment: environment, audience: audience)
        upload?.apply(to: &resolved)
        for warning in resolved.warnings {
            log.write("settings: \(warning)")
            if !quiet { printError("Warning: \(warning)") }
        }
        return resolved
    }

    /// Opens the spool, recovering from corruption, and runs `body`.
    func withSpool<T>(_ body: (Spool) throws -> T) throws -> T {
        try recorder.withSpool(body)
    }
}

/// Prints one line to stderr.
func printError(_ message: String) {
    SafeFile.writeAll(2, Array((message + "\n").utf8))
}

/// A runtime failure: printed as one line (`Error: …`) without the usage text, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
