#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `cf` shim's entry point, kept free of Foundation, SQLite and crypto so that it costs
/// almost nothing: find the real `cf`, look at the command line, and
/// - `exec` the real `cf` when the command is not recorded (not in the catalog, the
///   environment says no, no terminal, consent not on);
/// - for a catalog command with consent on: run the real `cf` as a child, then start the
///   recorder (`cfdev-telemetry __record`) detached and exit as the child did, so the
///   database work never delays the user;
/// - hand over (`exec`, same process) to `cfdev-telemetry __shim` for what needs the whole
///   machinery in the foreground: `cf dev telemetry`, the consent question, and debugging
///   or synchronous recording (`CFDEV_TELEMETRY_DEBUG`, `CFDEV_TELEMETRY_SYNC`).
public enum ShimFront {
    /// `cfdev-telemetry __shim REAL_CF ARGV0 ARGS…`: record in the foreground.
    public static let handoffCommand = "__shim"
    /// `cfdev-telemetry __record START_MS END_MS OUTCOME ARGV0 ARGS…`: record a finished run.
    public static let recordCommand = "__record"

    public static func main() -> Never {
        let arguments = CommandLine.arguments
        let verdict = CandidateFilter.verdict(arguments.dropFirst())
        let selfPath = RealCFLocator.ownExecutable()
        let recorder = recorderPath(selfPath: selfPath)
        let realCF = RealCFLocator.locate(environment: { getenv($0).map { String(cString: $0) } }, selfPath: selfPath)
        if verdict == .telemetryCommand {
            exec(recorder, [recorder, handoffCommand, realCF ?? ""] + arguments)
            ProcessExec.writeError("cf dev telemetry: cannot run \(recorder), which handles this command (install cf and cfdev-telemetry side by side)")
            exit(1)
        }
        guard let realCF else { exitRealCFMissing() }
        switch decide(verdict) {
        case .passThrough:
            break
        case .foreground:
            exec(recorder, [recorder, handoffCommand, realCF] + arguments)
        case .background:
            runThenRecordInBackground(realCF: realCF, recorder: recorder, arguments: arguments)
        }
        runRealCF(realCF, arguments)
    }

    enum Decision: Equatable { case passThrough, foreground, background }

    /// What to do with a command line, as far as libc can tell: the environment allows
    /// recording, a person is at a terminal, and consent is on (or unknown for
    /// `cf dev start`, which asks in the foreground).
    static func decide(_ verdict: CandidateFilter.Verdict) -> Decision {
        guard case .candidate(let isDevStart) = verdict,
              !FrontGate.disabledByEnvironment(), FrontGate.isInteractive()
        else { return .passThrough }
        switch FrontGate.savedConsent() {
        case .off: return .passThrough
        case .unknown: return isDevStart ? .foreground : .passThrough
        case .on: return FrontGate.wantsForeground() ? .foreground : .background
        }
    }

    /// Runs the real `cf` (signals handled as a shell would), starts the detached recorder
    /// with the run's times and outcome, and exits as the child did. If the real `cf`
    /// cannot be started this way, returns so that it is `exec`ed instead.
    static func runThenRecordInBackground(realCF: String, recorder: String, arguments: [String]) {
        let startedMs = nowMilliseconds()
        guard let running = try? ChildProcess.start(path: realCF, arguments: arguments) else { return }
        let outcome: ChildExit
        do {
            outcome = try ChildProcess.wait(running)
        } catch {
            exit(126)
        }
        let endedMs = nowMilliseconds()
        _ = try? DetachedProcess.spawn(
            path: recorder,
            arguments: [recordCommand, String(startedMs), String(endedMs), outcome.encoded] + arguments)
        ChildProcess.exitLike(outcome)
    }

    /// `cfdev-telemetry` beside the shim's resolved path.
    public static func recorderPath(selfPath: String?) -> String {
        guard let path = selfPath, let slash = path.lastIndex(of: "/") else { return "./cfdev-telemetry" }
        return String(path[..<slash]) + "/cfdev-telemetry"
    }

    static func exec(_ path: String, _ arguments: [String]) {
        _ = ProcessExec.exec(path: path, arguments: arguments)
    }

    /// No real `cf` to run: one line, and 127 as a shell says for a missing command.
    public static func exitRealCFMissing() -> Never {
        ProcessExec.writeError("cf: the real cf CLI was not found on PATH (this `cf` is the cfdev-telemetry shim; install the CF CLI or set CFDEV_TELEMETRY_REAL_CF)")
        exit(127)
    }

    /// Replaces this process with the real `cf`; if that fails, one line and 126.
    public static func runRealCF(_ realCF: String, _ arguments: [String]) -> Never {
        let code = ProcessExec.exec(path: realCF, arguments: arguments)
        ProcessExec.writeError("cf: cannot run \(realCF): \(String(cString: strerror(code)))")
        exit(126)
    }

    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
