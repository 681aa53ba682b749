import Foundation
import ShimFront
import TelemetryCore
import TelemetryRules

/// The recording half of the `cf` shim, run as `cfdev-telemetry __shim REAL_CF ARGV…` after
/// the lean front (`ShimFront`) found a candidate: classify exactly, and either run the
/// real `cf` untouched, or run it as a child and record its events. No telemetry failure
/// ever reaches the terminal or the exit status.
package enum Shim {
    /// `commandLine`: the command line exactly as the user typed it (`cf`, then its
    /// arguments), which the real `cf` receives byte for byte. `cf dev telemetry …` is not
    /// passed on: `telemetryCommand` (the command-line tool's) handles it and gives the status.
    package static func main(
        realCF: [UInt8], commandLine: CommandLineBytes,
        telemetryCommand: (TelemetrySubcommand, [String: String]) -> Int32
    ) -> Never {
        let environment = ProcessInfo.processInfo.environment
        let action = CommandClassifier.classify(Array(commandLine.text.dropFirst()))
        if case .telemetry(let subcommand) = action {
            exit(telemetryCommand(subcommand, environment))
        }
        let shimPath = OwnExecutable.path()
        guard !realCF.isEmpty else { ShimFront.exitRealCFMissing() }
        guard case .tracked(let command) = action,
            let session = TrackedSession.begin(command, environment: environment, shimPath: shimPath)
        else { ShimFront.runRealCF(realCF, commandLine) }
        let running: ChildProcess.Running
        do {
            running = try ChildProcess.start(path: realCF, arguments: commandLine)
        } catch {
            ProcessExec.writeError("cf: \(error)")
            exit(126)
        }
        // While the real cf runs: open the spool and record the command's own event, so
        // that after it ends only its outcome is left to write.
        let prepared = session.recordStart()
        let child: ChildExit
        do {
            child = try ChildProcess.wait(running)
        } catch {
            ProcessExec.writeError("cf: \(error)")
            exit(126)
        }
        // Taken once: a hand-off after a wait for a locked spool carries when cf ended.
        let endedMs = WallClock.nowMilliseconds()
        // Where the spool stayed locked past the foreground bound (or failed), the detached
        // recorder, which may wait, records what was not written instead of it being lost:
        // the whole run, or only its outcome when the command's own event is in.
        if let prepared {
            if !session.finish(child, prepared: prepared, endedMs: endedMs) {
                session.handOff(child, commandLine: commandLine, outcomeOnly: true, endedMs: endedMs)
            }
        } else {
            session.handOff(child, commandLine: commandLine, endedMs: endedMs)
        }
        ChildProcess.exitLike(child)
    }
}
