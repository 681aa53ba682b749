import ArgumentParser
import Foundation
import ShimKit
import TelemetryCore
import TelemetryRules

/// `cfdev-telemetry on`, as `cf dev telemetry --on`.
struct On: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Turn anonymous usage telemetry on.")

    func run() throws {
        let context = Context()
        let override = TelemetryOverride.current({ context.environment[$0] })
        if case .managed = override {
            throw CommandFailure("\(override!.cause): it cannot be turned on")
        }
        try ConsentStore(home: context.home).save(.on)
        print("Telemetry is on. Thank you! Turn it off any time with `cfdev-telemetry off`.")
        if let override {
            print("Note: \(override.cause), so nothing is recorded or sent while it is.")
        }
    }
}

/// `cfdev-telemetry off`, as `cf dev telemetry --off`.
struct Off: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn telemetry off: one short final upload, then everything pending is deleted.")

    func run() throws {
        print(try CFDevTelemetryCommand.turnOff(recorder: Context().recorder) { printError("Warning: " + $0) })
    }
}
