import Foundation
import ShimFront
import TelemetryCore
import TelemetryRules

/// One recorded run of a catalog command: decided before the real `cf` starts (consent,
/// environment, terminal, CF Dev target), recorded after it ends, then a background flush
/// when one is due.
struct TrackedSession {
    /// The longest the shim waits for a locked spool before giving up on the event: short
    /// in the foreground, where the user waits; long in the detached recorder, where nobody
    /// does and giving up would lose the event.
    static let foregroundBusyTimeout: TimeInterval = 2
    static let backgroundBusyTimeout: TimeInterval = 60

    let command: TrackedCommand
    let recorder: Recorder
    let settings: TelemetrySettings
    let shimPath: String?
    let startedMs: Int64
    let busyTimeout: TimeInterval

    /// Nil when this run must not be recorded; then nothing is read or written beyond the
    /// checks themselves.
    /// `mayAsk`: whether the consent question may be asked (only in the foreground, on the
    /// user's terminal); the background recorder has no terminal and was started only after
    /// the front saw consent on. `startedMs`: when the command started.
    static func begin(
        _ command: TrackedCommand, environment: [String: String], shimPath: String?,
        mayAsk: Bool = true, startedMs: Int64 = WallClock.nowMilliseconds()
    ) -> TrackedSession? {
        guard !mayAsk || EnvironmentSwitches.isInteractive(), TelemetryOverride.current({ environment[$0] }) == nil else { return nil }
        let home = TelemetryHome(environment: environment)
        let log = TelemetryLog(home: home, echoToStderr: EnvironmentSwitches.isDebugging { environment[$0] })
        let consent = ConsentStore(home: home)
        switch consent.state() {
        case .on: break
        case .off: return nil
        case .unknown:
            // Asked only in the terminal's foreground job: from a background one, reading the
            // answer would stop the job, which `cf dev start &` without the shim does not do.
            guard mayAsk, command.event == .startBegin, EnvironmentSwitches.isForegroundJob() else { return nil }
            let yes = ConsentPrompt.ask()
            do {
                try consent.save(yes ? .on : .off)
            } catch {
                log.write("could not save the consent answer: \(error)")
            }
            guard yes else { return nil }
        }
        let settings: TelemetrySettings
        do {
            settings = try SettingsLoader.load(home: home, environment: environment)
        } catch {
            log.write("not recording: \(error)")
            return nil
        }
        if command.requiresCFDevTarget {
            guard let target = CFTarget.current(environment: environment),
                CFTarget.isCFDev(target: target, hosts: settings.cfdevAPIHosts)
            else { return nil }
        }
        return TrackedSession(
            command: command, recorder: Recorder(home: home, environment: environment, log: log),
            settings: settings, shimPath: shimPath, startedMs: startedMs,
            busyTimeout: mayAsk ? foregroundBusyTimeout : backgroundBusyTimeout)
    }

    /// Records the command's own event (with names hashed), called while the real `cf`
    /// runs. Returns the open spool for `finish`, or nil if recording failed (logged).
    func recordStart() -> Spool? {
        do {
            return try recorder.withSpool(busyTimeout: busyTimeout) { spool in
                let start = Recorder.Occurrence(
                    event: command.event, data: command.recordedData(hasher: try spool.nameHasher()), milliseconds: startedMs)
                try recorder.record([start], in: spool, cap: settings.maxPendingEvents, whileConsentOn: true)
                return spool
            }
        } catch {
            recorder.log.write("could not record \(command.event.rawValue): \(error)")
            return nil
        }
    }

    /// The events of the outcome: `start_end` with the duration after a successful
    /// `cf dev start`, `error` (the command's event and exit status, never output) after a
    /// failure.
    func outcomeEvents(_ child: ChildExit, endedMs: Int64) -> [Recorder.Occurrence] {
        let failure: EventData = ["command": .string(command.event.rawValue), "exit_status": .int(Int(child.shellStatus))]
        switch child {
        case .exited(0):
            guard command.event == .startBegin else { return [] }
            // A clock that moved back (or absurd times handed to `__record`) gives no duration.
            let (duration, overflow) = endedMs.subtractingReportingOverflow(startedMs)
            let data: EventData = overflow || duration < 0 ? [:] : ["duration_ms": .int(Int(duration))]
            return [Recorder.Occurrence(event: .startEnd, data: data, milliseconds: endedMs)]
        case .exited:
            return [Recorder.Occurrence(event: .error, data: failure, milliseconds: endedMs)]
        case .signaled(let signal):
            return [Recorder.Occurrence(event: .error, data: failure.merging(["signal": .int(Int(signal))]) { $1 }, milliseconds: endedMs)]
        }
    }

    /// Opens the spool without recording anything (the detached recorder given only an
    /// outcome to record). Nil if it cannot be opened (logged).
    func openSpool() -> Spool? {
        do {
            return try recorder.withSpool(busyTimeout: busyTimeout) { $0 }
        } catch {
            recorder.log.write("could not open the spool for the outcome of \(command.event.rawValue): \(error)")
            return nil
        }
    }

    /// Hands the run to a detached `cfdev-telemetry __record`, as the front does for a run
    /// recorded in the background, for a foreground run that could not write within
    /// `foregroundBusyTimeout`: the whole run (the command line, its times and outcome) when
    /// its own event was not written, or only the outcome (`outcomeOnly`) when it was, so that
    /// the command's event is recorded once. Nothing is written to the terminal but the
    /// debugging line.
    func handOff(_ child: ChildExit, commandLine: CommandLineBytes, outcomeOnly: Bool = false, endedMs: Int64) {
        let request = RecordRequest(
            startedMs: startedMs, endedMs: endedMs, outcome: child, commandLine: commandLine, outcomeOnly: outcomeOnly)
        let telemetry = OwnExecutable.path() ?? ShimFront.telemetryExecutable(besides: shimPath)
        let what = outcomeOnly ? "the outcome of \(command.event.rawValue)" : command.event.rawValue
        do {
            _ = try ShimFront.startRecorder(telemetry, request)
            recorder.log.write("\(what) handed to the detached recorder")
            if EnvironmentSwitches.isDebugging({ recorder.environment[$0] }) {
                SafeFile.writeAll(2, Array("cfdev-telemetry: not recorded in the foreground; recording in the background\n".utf8))
            }
        } catch {
            recorder.log.write("could not hand \(what) to the detached recorder: \(error)")
        }
    }

    /// Records the outcome after the real `cf` ended, then starts a background flush when
    /// one is due. `prepared` is the spool `recordStart` opened (nil if it failed). False
    /// when the outcome was not written (logged), so that a foreground run can hand it off.
    @discardableResult
    func finish(_ child: ChildExit, prepared: Spool?, endedMs: Int64) -> Bool {
        let events = outcomeEvents(child, endedMs: endedMs)
        guard let spool = prepared else { return false }
        if !events.isEmpty {
            do {
                try recorder.record(events, in: spool, cap: settings.maxPendingEvents, whileConsentOn: true)
            } catch {
                recorder.log.write("could not record the outcome of \(command.event.rawValue): \(error)")
                return false
            }
        }
        do {
            if try FlushSchedule(spool: spool).isDue(intervalSeconds: settings.flushIntervalSeconds, now: endedMs) {
                try spool.setMeta(.lastFlushAttemptMs, String(endedMs))
                try FlushLauncher(environment: recorder.environment, shimPath: shimPath).startBackground()
            }
        } catch {
            recorder.log.write("could not start a flush after \(command.event.rawValue): \(error)")
        }
        return true
    }
}
