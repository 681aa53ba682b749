import Foundation
import TelemetryCore

/// One recorded run of a catalog command: decided before the real `cf` starts (consent,
/// environment, terminal, CF Dev target), recorded after it ends, then a background flush
/// when one is due.
struct TrackedSession {
    let command: TrackedCommand
    let recorder: Recorder
    let settings: TelemetrySettings
    let shimPath: String?
    let startedMs: Int64

    /// Nil when this run must not be recorded; then nothing is read or written beyond the
    /// checks themselves.
    static func begin(_ command: TrackedCommand, environment: [String: String], shimPath: String?) -> TrackedSession? {
        guard EnvironmentGate.disabledReason(environment) == nil, EnvironmentGate.isInteractive() else { return nil }
        let home = TelemetryHome(environment: environment)
        let log = TelemetryLog(home: home, echoToStderr: EnvironmentGate.isSet(environment["CFDEV_TELEMETRY_DEBUG"]))
        let consent = ConsentStore(home: home)
        switch consent.state() {
        case .on: break
        case .off: return nil
        case .unknown:
            guard command.event == .startBegin else { return nil }
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
            settings: settings, shimPath: shimPath, startedMs: Timestamp.nowMilliseconds())
    }

    /// Records the events of this run: the command's own, `start_end` with the duration
    /// after a successful `cf dev start`, `error` (command and status, never output) after a
    /// failure; then starts a background flush when one is due.
    func finish(_ child: ChildExit) {
        let endedMs = Timestamp.nowMilliseconds()
        do {
            try recorder.withSpool { spool in
                let hasher = try spool.nameHasher()
                var events = [Recorder.Occurrence(event: command.event, data: command.recordedData(hasher: hasher), milliseconds: startedMs)]
                switch child {
                case .exited(0):
                    if command.event == .startBegin {
                        events.append(Recorder.Occurrence(event: .startEnd, data: ["duration_ms": .int(Int(endedMs - startedMs))], milliseconds: endedMs))
                    }
                case .exited(let code):
                    events.append(Recorder.Occurrence(event: .error, data: ["command": .string(command.event.rawValue), "exit_status": .int(Int(code))], milliseconds: endedMs))
                case .signaled(let signal):
                    events.append(Recorder.Occurrence(event: .error, data: ["command": .string(command.event.rawValue), "exit_status": .int(Int(child.shellStatus)), "signal": .int(Int(signal))], milliseconds: endedMs))
                }
                try recorder.record(events, in: spool, cap: settings.maxPendingEvents)
                if try FlushSchedule(spool: spool).isDue(intervalSeconds: settings.flushIntervalSeconds, now: endedMs) {
                    try spool.setMeta(.lastFlushAttemptMs, String(endedMs))
                    try FlushLauncher(environment: recorder.environment, shimPath: shimPath).startBackground()
                }
            }
        } catch {
            recorder.log.write("could not record \(command.event.rawValue): \(error)")
        }
    }
}
