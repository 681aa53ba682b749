import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore

/// Sends this machine's pending erasure request (`ErasureRecord`) to the store, once: one PUT of
/// its fixed bytes to its own key with `If-None-Match: *`, as batches are sent, retried like
/// them; a 412 means an earlier attempt landed. Once the store holds it, the record is saved as
/// landed (with the time). Needs no permission but PutObject under `<prefix>erasures/v1/`.
package struct ErasureUploader: Sendable {
    package let home: TelemetryHome
    package let target: UploadTarget
    package let policy: RetryPolicy
    package let log: TelemetryLog
    package let deadline: Date

    package init(home: TelemetryHome, target: UploadTarget, policy: RetryPolicy = RetryPolicy(), log: TelemetryLog, deadline: Date) {
        self.home = home
        self.target = target
        self.policy = policy
        self.log = log
        self.deadline = deadline
    }

    /// What one run did.
    package enum Outcome: Sendable, Equatable {
        /// No request, or one that landed earlier.
        case nothingPending
        /// Stored now (`alreadyStored`: the store had it from an attempt whose answer was lost).
        case landed(ErasureRecord, key: String, alreadyStored: Bool)
        /// Still pending: why, in one line, and whether retrying cannot help (a 4xx).
        case failed(String, fatal: Bool)
    }

    package func run() async -> Outcome {
        let record: ErasureRecord
        do {
            guard let loaded = try ErasureRecord.load(home: home), loaded.isPending else { return .nothingPending }
            record = loaded
        } catch {
            return .failed("\(error)", fatal: true)
        }
        let key = record.request.key(in: target.layout)
        // Each try gets what is left of the run, at most 30 s, so that none runs past the
        // deadline (and into the hard limit that ends the process).
        func timeLeft() -> TimeInterval { RetryingRequest.tryTimeout(until: deadline, now: Date()) }
        let client = target.client(requestTimeout: timeLeft())
        var alreadyStored = false
        do {
            _ = try await RetryingRequest(client: client, policy: policy, deadline: deadline).run(
                onFailure: { error, attempt in
                    if error.status != 412 { log.write("erasure request: \(error) (attempt \(attempt))") }
                },
                {
                    try await client.putObject(
                        key: key, body: record.request.body, contentType: "application/json", writeOnce: true, timeout: timeLeft())
                })
        } catch let error as S3Error where error.status == 412 {
            alreadyStored = true
        } catch let error as S3Error {
            return .failed(error.description, fatal: error.classification == .fatal)
        } catch let stop as RetryingRequest.DeadlineReached {
            return .failed(stop.description, fatal: false)
        } catch {
            return .failed("\(error)", fatal: false)
        }
        var landed = record
        landed.landedMs = WallClock.nowMilliseconds()
        do {
            // A `forget` meanwhile may have saved a newer request: that one stays pending.
            guard try ErasureRecord.load(home: home)?.request == record.request else {
                log.write("erasure request stored at \(key); a newer request replaced it meanwhile and stays pending")
                return .landed(landed, key: key, alreadyStored: alreadyStored)
            }
            try landed.save(home: home)
        } catch {
            // In the store all the same; the next run sends it again and gets a 412.
            log.write("erasure request stored at \(key), but \(error)")
        }
        log.write("erasure request stored at \(key)\(alreadyStored ? " (already stored: an earlier answer was lost)" : "")")
        return .landed(landed, key: key, alreadyStored: alreadyStored)
    }
}
