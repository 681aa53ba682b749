import Foundation
import TelemetryCore
import TelemetryRules

/// `cfdev-telemetry __record` (the detached recording), started by the shim's front after the
/// real `cf` finished, with a `RecordRequest` on its stdin (never the command line in its own
/// argv, which other users can read): records that run (the command's event and its outcome,
/// or the outcome alone when a foreground run handed only that over) exactly as the
/// foreground path would, then starts a flush when one is due. It has no terminal: problems go
/// to the telemetry log.
package enum DetachedRecording {
    package static func main() -> Never {
        guard let request = RecordRequest.read(from: 0) else { exit(2) }
        let environment = ProcessInfo.processInfo.environment
        guard case .tracked(let command) = CommandClassifier.classify(Array(request.commandLine.text.dropFirst())),
            let session = TrackedSession.begin(
                command, environment: environment, shimPath: OwnExecutable.path(),
                mayAsk: false, startedMs: request.startedMs)
        else { exit(0) }
        let spool = request.outcomeOnly ? session.openSpool() : session.recordStart()
        session.finish(request.outcome, prepared: spool, endedMs: request.endedMs)
        exit(0)
    }
}
