import Foundation
import Platform
import ShimFront
import ShimKit
import TelemetryCore
import TelemetryRules

/// `cf dev telemetry [--on|--off|--forget]`, which the shim hands to this command-line tool and never
/// passes on to the real `cf`; and the turning off that `cfdev-telemetry off` shares with it.
enum CFDevTelemetryCommand {
    static func run(_ subcommand: TelemetrySubcommand, environment: [String: String]) -> Int32 {
        let home = TelemetryHome(environment: environment)
        let log = TelemetryLog(home: home, echoToStderr: EnvironmentSwitches.isDebugging { environment[$0] })
        let override = TelemetryOverride.current { environment[$0] }
        let overridden = override.map { " (\($0.cause), so nothing is recorded or sent whatever the setting)" } ?? ""
        do {
            switch subcommand {
            case .status:
                let state = ConsentStore(home: home).state()
                print(describe(state) + overridden)
            case .on:
                if case .managed = override {
                    SafeFile.writeAll(2, Array("Error: \(override!.cause): it cannot be turned on\n".utf8))
                    return 1
                }
                try ConsentStore(home: home).save(.on)
                print("Telemetry is on. Thank you! Turn it off any time with `cf dev telemetry --off`." + overridden)
            case .off:
                print(
                    try turnOff(recorder: Recorder(home: home, environment: environment, log: log)) { warning in
                        SafeFile.writeAll(2, Array(("cf dev telemetry: " + warning + "\n").utf8))
                    })
            case .forget(let confirmed):
                return forget(confirmed: confirmed, recorder: Recorder(home: home, environment: environment, log: log))
            case .help:
                print(usage)
            case .invalid(let message):
                // A usage error: 64 (EX_USAGE), as argument-parser's commands exit.
                SafeFile.writeAll(2, Array((message + " (see `cf dev telemetry --help`)\n").utf8))
                return 64
            }
            return 0
        } catch {
            SafeFile.writeAll(2, Array(("cf dev telemetry: \(error)\n").utf8))
            return 1
        }
    }

    /// Turns telemetry off as `cf dev telemetry --off` and `cfdev-telemetry off` do: records
    /// `telemetry_off`, runs the bounded final flush, deletes what is pending. Returns the
    /// line to print.
    static func turnOff(recorder: Recorder, warn: (String) -> Void) throws -> String {
        let environment = recorder.environment
        // A bad setting never stops `off`: it is named in one line and the built-in values used.
        let settings: TelemetrySettings
        do {
            settings = try SettingsLoader.load(home: recorder.home, environment: environment)
        } catch {
            warn("\(error); turning off with the built-in settings")
            settings = TelemetrySettings()
        }
        let cap = settings.maxPendingEvents
        let seconds = settings.finalFlushSeconds
        let launcher = FlushLauncher(environment: environment, shimPath: OwnExecutable.path())
        let outcome = try TelemetrySwitch(recorder: recorder).turnOff(cap: cap) {
            do {
                try launcher.runFinal(seconds: seconds)
            } catch {
                recorder.log.write("final flush: \(error)")
            }
        }
        let deleted = outcome.deletedUnsent
        if outcome.purgeFailure != nil {
            return "Telemetry is off: nothing more will be recorded or sent. The pending events could not be deleted now"
                + " (see \(recorder.log.path)); they are never sent, and `cfdev-telemetry purge` deletes them."
        }
        return "Telemetry is off: nothing more will be recorded or sent"
            + (deleted > 0 ? "; \(deleted) pending event\(deleted == 1 ? " was" : "s were") not sent and deleted." : ".")
    }

    /// `cf dev telemetry --forget [--yes]`: what `cfdev-telemetry forget` does, the request
    /// sent by a bounded `flush` child (15 s; it stays pending if that is not enough).
    static func forget(confirmed: Bool, recorder: Recorder) -> Int32 {
        let forget = ForgetMe(recorder: recorder)
        do {
            if !confirmed {
                guard let answer = ForgetConfirmation.ask(anonymousID: try forget.anonymousID()), answer else {
                    let why = isatty(0) == 1 && isatty(2) == 1 ? ForgetConfirmation.declined : ForgetConfirmation.refusal
                    SafeFile.writeAll(2, Array("cf dev telemetry: \(why)\n".utf8))
                    return 1
                }
            }
            let outcome = try forget.run()
            print(ForgetConfirmation.localLine(outcome))
            let launcher = FlushLauncher(environment: recorder.environment, shimPath: OwnExecutable.path())
            do {
                try launcher.runFinal(seconds: 15)
            } catch {
                recorder.log.write("forget: flush: \(error)")
            }
            if let record = try? ErasureRecord.load(home: recorder.home), !record.isPending {
                print(ForgetConfirmation.landedLine(record, location: "the bucket"))
            } else {
                SafeFile.writeAll(2, Array((ForgetConfirmation.pendingLine("no answer from the store within 15 s; see \(recorder.log.path)") + "\n").utf8))
            }
            return 0
        } catch {
            SafeFile.writeAll(2, Array(("cf dev telemetry: \(error)\n").utf8))
            return 1
        }
    }

    static let usage = """
        USAGE: cf dev telemetry [--on | --off | --forget [--yes]]

        Anonymous usage statistics of CF Dev.
          cf dev telemetry        show whether they are on
          cf dev telemetry --on   turn them on
          cf dev telemetry --off  turn them off: one short final upload, then everything pending is deleted
          cf dev telemetry --forget
                                  turn them off, delete what is pending, and ask for everything this machine
                                  uploaded to be erased (asks first; --yes does not)

        DO_NOT_TRACK=1 or CFDEV_TELEMETRY_DISABLED=1 in the environment turns them off whatever is set here.
        `cfdev-telemetry --help` lists everything else (show, status, flush, purge, ...).
        """

    static func describe(_ state: ConsentState) -> String {
        switch state {
        case .on: return "Telemetry is on. Turn it off with `cf dev telemetry --off`."
        case .off: return "Telemetry is off. Turn it on with `cf dev telemetry --on`."
        case .unknown: return "Telemetry: not asked yet. You will be asked on the next `cf dev start`, or run `cf dev telemetry --on`."
        }
    }
}
