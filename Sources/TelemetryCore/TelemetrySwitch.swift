/// Turning telemetry on and off (SPEC §4), shared by `cf dev telemetry --on/--off` and
/// `cfdev-telemetry on/off`.
public struct TelemetrySwitch: Sendable {
    public let recorder: Recorder

    public init(recorder: Recorder) {
        self.recorder = recorder
    }

    var home: TelemetryHome { recorder.home }

    /// Saves `on`. Nothing else happens: events are recorded from the next command on.
    public func turnOn() throws {
        try ConsentStore(home: home).save(.on)
    }

    /// Saves `off` first (so nothing more is recorded even if what follows fails), records
    /// `telemetry_off` when telemetry was on and the environment allows it, runs the
    /// bounded final flush, then deletes everything still pending, whatever the flush did.
    /// Returns how many pending events were deleted.
    @discardableResult
    public func turnOff(cap: Int, finalFlush: () -> Void) throws -> Int {
        let store = ConsentStore(home: home)
        let wasOn = store.state() == .on
        try store.save(.off)
        let allowed = EnvironmentGate.disabledReason(recorder.environment) == nil
        if wasOn && allowed {
            do {
                try recorder.withSpool { spool in
                    try recorder.record([Recorder.Occurrence(event: .telemetryOff)], in: spool, cap: cap)
                }
                finalFlush()
            } catch {
                recorder.log.write("could not record telemetry_off: \(error)")
            }
        }
        return try recorder.withSpool { try $0.purge() }
    }
}
