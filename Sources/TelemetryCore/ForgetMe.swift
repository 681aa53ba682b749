import Foundation
import TelemetryRules

/// "Forget me" on this machine, shared by `cfdev-telemetry forget` and `cf dev telemetry
/// --forget`: turns telemetry off (nothing more is recorded), deletes everything pending unsent
/// (no final upload: what it would send is to be erased), then saves one erasure request for this
/// machine's anonymous ID, made now, as a pending `ErasureRecord`. Sending it is the caller's
/// (`ErasureUploader`, run first by every flush until the store has it).
package struct ForgetMe: Sendable {
    package let recorder: Recorder

    package init(recorder: Recorder) {
        self.recorder = recorder
    }

    /// What forgetting did here.
    package struct Outcome: Sendable, Equatable {
        package var record: ErasureRecord
        /// Pending events deleted unsent.
        package var deletedUnsent: Int
        /// Why the pending events could not be deleted, if so (they are never sent: consent is off).
        package var purgeFailure: String?
    }

    /// The anonymous ID this machine uploads under (what a request names).
    package func anonymousID() throws -> String {
        try recorder.withSpool { try recorder.anonymousID(spool: $0) }
    }

    /// Off, purge, then the request (its time taken after `off` was saved, so every event
    /// recorded here is at or before it). Throws when `off` or the request cannot be saved.
    package func run(now: @Sendable () -> Int64 = WallClock.nowMilliseconds) throws -> Outcome {
        do {
            try ConsentStore(home: recorder.home).save(.off)
        } catch {
            throw TelemetrySwitch.TurnOffFailure(reason: "\(error)")
        }
        let id = try anonymousID()
        var deleted = 0
        var purgeFailure: String?
        do {
            deleted = try recorder.withSpool { try $0.purge() }
        } catch {
            recorder.log.write("forget: could not delete the pending events: \(error)")
            purgeFailure = "\(error)"
        }
        guard let request = ErasureRequest(anonymousID: id, requestedMs: now()) else {
            throw TelemetryError.io("the clock reads a time outside the years 1970…9999: no erasure request made")
        }
        let record = ErasureRecord(request: request)
        try record.save(home: recorder.home)
        recorder.log.write("forget: erasure request made at \(request.requestedAt); \(deleted) pending events deleted")
        return Outcome(record: record, deletedUnsent: deleted, purgeFailure: purgeFailure)
    }
}
