import Foundation
import ShimFront
import TelemetryCore

/// `cfdev-telemetry __record START_MS END_MS OUTCOME ARGV0 ARGS…`: started detached by the
/// shim's front after the real `cf` finished, it records that run (the command's event and
/// its outcome) exactly as the foreground path would, then starts a flush when one is due.
/// It has no terminal: problems go to the telemetry log.
public enum BackgroundRecorder {
    public static func main(_ arguments: ArraySlice<String>) -> Never {
        let fields = Array(arguments)
        guard fields.count >= 4, let startedMs = Int64(fields[0]), let endedMs = Int64(fields[1]),
              let outcome = ChildExit(encoded: fields[2])
        else { exit(2) }
        let commandLine = Array(fields.dropFirst(3))
        let environment = ProcessInfo.processInfo.environment
        guard case .tracked(let command) = CommandClassifier.classify(Array(commandLine.dropFirst())),
              let session = TrackedSession.begin(
                command, environment: environment, shimPath: RealCFLocator.ownExecutable(),
                mayAsk: false, startedMs: startedMs)
        else { exit(0) }
        session.finish(outcome, prepared: session.recordStart(), endedMs: endedMs)
        exit(0)
    }
}
