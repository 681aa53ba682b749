import TelemetryRules

/// Turning telemetry on and off, shared by `cf dev telemetry --on/--off` and
/// `cfdev-telemetry on/off`.
package struct TelemetrySwitch: Sendable {
    package let recorder: Recorder

    package init(recorder: Recorder) {
        self.recorder = recorder
    }

    var home: TelemetryHome { recorder.home }

    /// Why turning off failed: one plain line that also says how to stop telemetry anyway.
    package struct TurnOffFailure: Error, CustomStringConvertible {
        package let reason: String
        package var description: String {
            "telemetry could not be turned off: \(reason). To stop it anyway, set DO_NOT_TRACK=1 in your environment (for example in ~/.profile)"
        }
    }

    /// What turning off did.
    package struct TurnOffOutcome: Sendable, Equatable {
        /// The user's events deleted unsent (`telemetry_off` itself not counted).
        package var deletedUnsent: Int
        /// Why pending events could not be deleted (a full disk, say), if they could not:
        /// they stay in the spool and are never sent, since consent is off.
        package var purgeFailure: String?
    }

    /// Saves `off` first (so nothing more is recorded even if what follows fails), records
    /// `telemetry_off` when telemetry was on and the environment allows it, runs the
    /// bounded final flush, then deletes everything still pending, whatever the flush did.
    /// Throws `TurnOffFailure` when `off` could not be saved.
    package func turnOff(cap: Int, finalFlush: () -> Void) throws -> TurnOffOutcome {
        let store = ConsentStore(home: home)
        let wasOn = store.state() == .on
        do {
            try store.save(.off)
        } catch {
            throw TurnOffFailure(reason: "\(error)")
        }
        var ownEventID: String?
        if wasOn && TelemetryOverride.current({ recorder.environment[$0] }) == nil {
            do {
                ownEventID = try recorder.withSpool { spool in
                    try recorder.record([Recorder.Occurrence(event: .telemetryOff)], in: spool, cap: cap).first?.eventID
                }
                finalFlush()
            } catch {
                recorder.log.write("could not record telemetry_off: \(error)")
            }
        }
        guard FileKind(atPath: home.spoolPath) != .absent else { return TurnOffOutcome(deletedUnsent: 0) }
        do {
            let deleted = try recorder.withSpool { spool in
                let ownStillPending = try ownEventID.map { id in try spool.pendingLines().contains { $0.contains(id) } } ?? false
                return max(0, try spool.purge() - (ownStillPending ? 1 : 0))
            }
            return TurnOffOutcome(deletedUnsent: deleted)
        } catch {
            recorder.log.write("could not delete the pending events: \(error)")
            return TurnOffOutcome(deletedUnsent: 0, purgeFailure: "\(error)")
        }
    }
}
