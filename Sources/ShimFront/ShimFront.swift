import Platform
import TelemetryRules

/// The `cf` shim's entry point, kept free of Foundation, SQLite and crypto so that it costs
/// almost nothing: find the real `cf`, look at the command line, and
/// - `exec` the real `cf` when the command is not recorded (not in the catalog, the
///   environment says no, no terminal, consent not on, or a shim already handled it);
/// - for a catalog command with consent on: run the real `cf` as a child, then start the
///   recorder (`cfdev-telemetry __record`) detached and exit as the child did, so the
///   database work never delays the user;
/// - hand over (`exec`, same process) to `cfdev-telemetry __shim` for what needs the whole
///   machinery in the foreground: `cf dev telemetry`, the consent question, and debugging
///   or synchronous recording (`CFDEV_TELEMETRY_DEBUG`, `CFDEV_TELEMETRY_SYNC`).
/// The real `cf` always gets the exact bytes of the command line.
package enum ShimFront {
    /// `cfdev-telemetry __shim REAL_CF ARGV0 ARGS…`: record in the foreground.
    package static let handoffCommand = "__shim"
    /// `cfdev-telemetry __record`, with a `RecordRequest` on stdin: record a finished run.
    package static let recordCommand = "__record"

    package static func main() -> Never {
        let identity = ShimIdentity.current()
        let verdict = identity.reentered ? .passThrough : CandidateFilter.verdict(leadingWords())
        let realCF = RealCFLocator.locate(identity: identity)
        identity.markSeen()
        if verdict == .telemetryCommand {
            let telemetry = telemetryExecutable(besides: identity.path)
            exec(telemetry, CommandLineBytes(text: [telemetry, handoffCommand]) + CommandLineBytes([realCF ?? []]) + .current())
            ProcessExec.writeError("cf dev telemetry: cannot run \(telemetry), which handles this command (install cf and cfdev-telemetry side by side)")
            exit(1)
        }
        guard let realCF else { exitRealCFMissing() }
        switch decide(verdict) {
        case .passThrough:
            startErasureRetryIfPending(verdict, identity: identity)
        case .foreground:
            let telemetry = telemetryExecutable(besides: identity.path)
            exec(telemetry, CommandLineBytes(text: [telemetry, handoffCommand]) + CommandLineBytes([realCF]) + .current())
        case .background:
            runThenRecordInBackground(realCF: realCF, telemetry: telemetryExecutable(besides: identity.path), commandLine: .current())
        }
        let code = ProcessExec.execOwnArguments(path: realCF)
        exitCannotRun(realCF, code)
    }

    /// The first two arguments after the program name, decoded: all the filter looks at.
    static func leadingWords() -> ArraySlice<String> {
        let count = min(Int(CommandLine.argc), 3)
        guard count > 1 else { return [] }
        return (1..<count).map { CommandLine.unsafeArgv[$0].map { String(cString: $0) } ?? "" }[...]
    }

    enum Decision: Equatable { case passThrough, foreground, background }

    /// What to do with a command line, as far as libc can tell: the environment allows
    /// recording, a person is at a terminal, and consent is on (or unknown for
    /// `cf dev start`, which asks in the foreground).
    static func decide(_ verdict: CandidateFilter.Verdict) -> Decision {
        guard case .candidate(let isDevStart) = verdict,
            EnvironmentSwitches.isInteractive(), TelemetryOverride.current(processEnvironment) == nil
        else { return .passThrough }
        switch FrontGate.savedConsent() {
        case .off?: return .passThrough
        case nil: return isDevStart ? .foreground : .passThrough
        case .on?: return EnvironmentSwitches.wantsForeground(processEnvironment) ? .foreground : .background
        }
    }

    /// While this machine's erasure request waits for the store (`forget` with the store out of
    /// reach), each catalog command that is not recorded starts a background flush, which sends
    /// it whatever the consent (one flush at a time: it takes the flush lock; nothing is
    /// recorded). The flusher is `CFDEV_TELEMETRY_FLUSHER`, else the one beside the shim.
    static func startErasureRetryIfPending(_ verdict: CandidateFilter.Verdict, identity: ShimIdentity) {
        guard case .candidate = verdict, ErasureFile.isPending(directory: TelemetryHomePath.directory(processEnvironment)) else { return }
        let flusher = processEnvironment("CFDEV_TELEMETRY_FLUSHER").flatMap { $0.isEmpty ? nil : $0 } ?? telemetryExecutable(besides: identity.path)
        _ = try? DetachedProcess.spawn(path: flusher, arguments: ["flush", "--background"])
    }

    /// Runs the real `cf` (signals handled as a shell would), starts the detached recorder
    /// with the run's times, outcome and command line on its stdin, and exits as the child
    /// did. If the real `cf` cannot be started this way, returns so that it is `exec`ed.
    static func runThenRecordInBackground(realCF: [UInt8], telemetry: String, commandLine: CommandLineBytes) {
        let startedMs = WallClock.nowMilliseconds()
        guard let running = try? ChildProcess.start(path: realCF, arguments: commandLine) else { return }
        let outcome: ChildExit
        do {
            outcome = try ChildProcess.wait(running)
        } catch {
            exit(126)
        }
        let request = RecordRequest(startedMs: startedMs, endedMs: WallClock.nowMilliseconds(), outcome: outcome, commandLine: commandLine)
        _ = try? startRecorder(telemetry, request)
        ChildProcess.exitLike(outcome)
    }

    /// Starts `telemetry __record` detached, with `request` (a finished run) on its stdin.
    package static func startRecorder(_ telemetry: String, _ request: RecordRequest) throws -> pid_t {
        try DetachedProcess.spawn(path: telemetry, arguments: CommandLineBytes(text: [recordCommand]), input: request.bytes)
    }

    /// `cfdev-telemetry` beside the shim's resolved path; for a shim that was copied rather
    /// than linked (nothing beside it), the first `cfdev-telemetry` on `PATH`.
    package static func telemetryExecutable(besides shimPath: String?) -> String {
        let beside = shimPath.flatMap { path in path.lastIndex(of: "/").map { String(path[..<$0]) + "/cfdev-telemetry" } }
        if let beside, access(beside, X_OK) == 0 { return beside }
        if let found = RealCFLocator.firstOnPath("cfdev-telemetry") { return String(decoding: found, as: UTF8.self) }
        return beside ?? "./cfdev-telemetry"
    }

    static func exec(_ path: String, _ arguments: CommandLineBytes) {
        _ = ProcessExec.exec(path: Array(path.utf8), arguments: arguments)
    }

    /// No real `cf` to run: one line, and 127 as a shell says for a missing command.
    package static func exitRealCFMissing() -> Never {
        ProcessExec.writeError(
            "cf: the real cf CLI was not found on PATH (this `cf` is the cfdev-telemetry shim, and any other `cf` found was a copy of it); install the CF CLI or set CFDEV_TELEMETRY_REAL_CF")
        exit(127)
    }

    /// Replaces this process with the real `cf`; if that fails, one line and 126.
    package static func runRealCF(_ realCF: [UInt8], _ arguments: CommandLineBytes) -> Never {
        exitCannotRun(realCF, ProcessExec.exec(path: realCF, arguments: arguments))
    }

    static func exitCannotRun(_ realCF: [UInt8], _ code: Int32) -> Never {
        ProcessExec.writeError("cf: cannot run \(String(decoding: realCF, as: UTF8.self)): \(String(cString: strerror(code)))")
        exit(126)
    }
}
