import ArgumentParser
import Foundation
import TelemetryCore

/// What every subcommand starts from: the environment, the telemetry home, its log.
struct Context {
    let environment: [String: String]
    let home: TelemetryHome
    let log: TelemetryLog

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        home = TelemetryHome(environment: environment)
        log = TelemetryLog(home: home, echoToStderr: EnvironmentGate.isSet(environment["CFDEV_TELEMETRY_DEBUG"]))
    }

    var recorder: Recorder { Recorder(home: home, environment: environment, log: log) }

    /// The resolved settings; a malformed config file or variable is a one-line error.
    func settings() throws -> TelemetrySettings {
        do {
            return try SettingsLoader.load(home: home, environment: environment)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// Opens the spool, recovering from corruption, and runs `body`.
    func withSpool<T>(_ body: (Spool) throws -> T) throws -> T {
        try recorder.withSpool(body)
    }
}

/// Prints one line to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A runtime failure: printed as one line (`Error: …`) without the usage text, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
