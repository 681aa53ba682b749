import Foundation
import ShimFront
import TelemetryCore

/// `cf dev telemetry [--on|--off]`, which the shim handles itself and never passes on.
public enum TelemetryCommand {
    /// Seconds the final flush of `--off` may take: 3, or `CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS`.
    public static func finalFlushSeconds(_ environment: [String: String]) -> Double {
        environment["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS"].flatMap(Double.init).map { min(max($0, 0.5), 60) } ?? 3
    }

    static func run(_ subcommand: TelemetrySubcommand, environment: [String: String]) -> Int32 {
        let home = TelemetryHome(environment: environment)
        let log = TelemetryLog(home: home, echoToStderr: EnvironmentGate.isSet(environment["CFDEV_TELEMETRY_DEBUG"]))
        let overridden = EnvironmentGate.disabledReason(environment).map {
            " (\($0) is set in the environment, so nothing is recorded or sent whatever the setting)"
        } ?? ""
        do {
            switch subcommand {
            case .status:
                let state = ConsentStore(home: home).state()
                print(describe(state) + overridden)
            case .on:
                try ConsentStore(home: home).save(.on)
                print("Telemetry is on. Thank you! Turn it off any time with `cf dev telemetry --off`." + overridden)
            case .off:
                print(try turnOff(recorder: Recorder(home: home, environment: environment, log: log)))
            case .invalid(let message):
                FileHandle.standardError.write(Data((message + "\n").utf8))
                return 1
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data(("cf dev telemetry: \(error)\n").utf8))
            return 1
        }
    }

    /// Turns telemetry off as `cf dev telemetry --off` and `cfdev-telemetry off` do: records
    /// `telemetry_off`, runs the bounded final flush, deletes what is pending. Returns the
    /// line to print.
    public static func turnOff(recorder: Recorder) throws -> String {
        let environment = recorder.environment
        let cap = (try? SettingsLoader.load(home: recorder.home, environment: environment).maxPendingEvents)
            ?? TelemetrySettings().maxPendingEvents
        let launcher = FlushLauncher(environment: environment, shimPath: RealCFLocator.ownExecutable())
        let deleted = try TelemetrySwitch(recorder: recorder).turnOff(cap: cap) {
            do {
                try launcher.runFinal(seconds: finalFlushSeconds(environment))
            } catch {
                recorder.log.write("final flush: \(error)")
            }
        }
        return "Telemetry is off: nothing more will be recorded or sent"
            + (deleted > 0 ? "; \(deleted) pending event\(deleted == 1 ? " was" : "s were") not sent and deleted." : ".")
    }

    static func describe(_ state: ConsentState) -> String {
        switch state {
        case .on: return "Telemetry is on. Turn it off with `cf dev telemetry --off`."
        case .off: return "Telemetry is off. Turn it on with `cf dev telemetry --on`."
        case .unknown: return "Telemetry is not set: you will be asked on the next `cf dev start`, or run `cf dev telemetry --on`."
        }
    }
}
