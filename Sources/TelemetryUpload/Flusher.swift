import Foundation
import TelemetryCore
import TelemetryStore

/// Drains the spool to the store, exactly once: each batch's membership, ID, key and gzip
/// bytes are persisted before its PUT; its events leave the spool only after the store's 2xx;
/// a flusher killed at any point re-sends the same key with the same bytes. Every PUT carries
/// `If-None-Match: *` (write-once), and a 412 to the flusher's own sealed key means an earlier
/// attempt landed: the batch counts as stored. It needs no permission but PutObject.
package struct Flusher: Sendable {
    package let spool: Spool
    package let target: UploadTarget
    package let limits: BatchLimits
    package let policy: RetryPolicy
    package let log: TelemetryLog
    /// Stop starting new requests after this moment; no request outlives it.
    package let deadline: Date
    package let clock: @Sendable () -> Date

    package init(
        spool: Spool, target: UploadTarget, limits: BatchLimits, policy: RetryPolicy = RetryPolicy(),
        log: TelemetryLog, deadline: Date, clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.spool = spool
        self.target = target
        self.limits = limits
        self.policy = policy
        self.log = log
        self.deadline = deadline
        self.clock = clock
    }

    /// What one run did.
    package struct Outcome: Sendable, Equatable {
        package var batches = 0
        package var events = 0
        package var bytes = 0
        package var puts = 0
        /// Batches the store already held (412 to the conditional PUT): an earlier answer was lost.
        package var alreadyStored = 0
        /// The clock offset in force at the end (seconds; 0: none).
        package var clockOffset: TimeInterval = 0
        /// Why the run stopped early, as one line; nil when everything pending was sent.
        package var failure: String?
        /// Whether the failure was a store's 4xx that retrying will not fix.
        package var fatal = false
    }

    /// The header that reports events dropped at the spool's cap with the next upload.
    package static let droppedHeader = "x-amz-meta-cfdev-dropped-events"

    package func run() async -> Outcome {
        var outcome = Outcome()
        let startedMs = Int64(clock().timeIntervalSince1970 * 1000)
        let client = target.client(requestTimeout: requestTimeout(), clock: clock)
        client.clockOffset = ClockOffsetRecord.load(spool: spool, log: log)
        do {
            try spool.setMeta(.lastFlushAttemptMs, String(startedMs))
            while let batch = try nextBatch() {
                if let failure = await upload(batch, with: client, outcome: &outcome) {
                    outcome.failure = failure.message
                    outcome.fatal = failure.fatal
                    break
                }
            }
        } catch {
            outcome.failure = "spool: \(error)"
        }
        outcome.clockOffset = client.clockOffset
        record(outcome, startedMs: startedMs, client: client)
        return outcome
    }

    /// A batch sealed earlier and not confirmed (sent again first), else a new one.
    func nextBatch() throws -> SealedBatch? {
        if let pending = try spool.sealedBatches().first { return pending }
        return try spool.sealNextBatch(limits: limits, layout: target.layout) { text in
            try Gzip.compress(text)
        }
    }

    struct Failure {
        var message: String
        var fatal: Bool
    }

    /// PUTs one batch, retrying what can be retried; on 2xx (or 412: already there) removes its events.
    func upload(_ batch: SealedBatch, with client: S3Client, outcome: inout Outcome) async -> Failure? {
        let headers = batch.droppedReported > 0 ? [(Self.droppedHeader, String(batch.droppedReported))] : []
        let retrying = RetryingRequest(client: client, policy: policy, deadline: deadline, clock: clock)
        do {
            let response = try await retrying.run(
                onFailure: { error, attempt in
                    if error.status != 412 { log.write("\(error) (attempt \(attempt))") }
                },
                onClockCorrected: {
                    log.write("corrected the clock by the store's Date: offset now \(Int(client.clockOffset)) s")
                    // Saved at once, so that a run that is killed keeps what it learnt.
                    ClockOffsetRecord.save(client.clockOffset, spool: spool, log: log)
                },
                {
                    outcome.puts += 1
                    return try await client.putObject(
                        key: batch.objectKey, body: batch.body, contentType: PartitionLayout.objectContentType, writeOnce: true,
                        headers: headers, timeout: requestTimeout())
                })
            if client.settleClock(serverDate: response.serverDate) {
                log.write("the local clock agrees with the store's again: clock offset dropped")
                ClockOffsetRecord.save(0, spool: spool, log: log)
            }
            try stored(batch, outcome: &outcome, note: "")
            return nil
        } catch let error as S3Error where error.status == 412 {
            // Write-once: an earlier attempt of this sealed key landed (its answer was lost).
            do {
                try stored(batch, outcome: &outcome, note: " (already stored: an earlier answer was lost)")
                outcome.alreadyStored += 1
                return nil
            } catch {
                return Failure(message: "spool: \(error)", fatal: false)
            }
        } catch let error as S3Error {
            return Failure(message: error.description, fatal: error.classification == .fatal)
        } catch let stop as RetryingRequest.DeadlineReached {
            return Failure(message: stop.description, fatal: false)
        } catch {
            return Failure(message: "spool: \(error)", fatal: false)
        }
    }

    /// The store holds the batch: its events leave the spool.
    func stored(_ batch: SealedBatch, outcome: inout Outcome, note: String) throws {
        try spool.completeBatch(id: batch.id)
        outcome.batches += 1
        outcome.events += batch.eventCount
        outcome.bytes += batch.body.count
        log.write("uploaded \(batch.eventCount) events (\(batch.body.count) bytes) to \(batch.objectKey)\(note)")
    }

    /// Each request gets what is left of the run, at most 30 s, at least 0.5 s.
    func requestTimeout() -> TimeInterval {
        RetryingRequest.tryTimeout(until: deadline, now: clock())
    }

    /// Persists the run's result for `status`, `doctor` and the shim's schedule.
    func record(_ outcome: Outcome, startedMs: Int64, client: S3Client) {
        let nowMs = Int64(clock().timeIntervalSince1970 * 1000)
        ClockOffsetRecord.save(client.clockOffset, spool: spool, log: log)
        do {
            if let failure = outcome.failure {
                // (Clamped: the count is read from a file and must not overflow.)
                let failedRuns = Int(min(max(try spool.intMeta(.consecutiveFailures) ?? 0, 0), 1_000_000)) + 1
                let delay = policy.nextRunDelay(failedRuns: failedRuns, random: Double.random(in: 0...1))
                try spool.setMeta([
                    .lastError: Timestamp.iso8601(milliseconds: nowMs) + " " + DisplayText.maskingUserInfo(failure),
                    .consecutiveFailures: String(failedRuns),
                    .nextAttemptMs: String(nowMs + Int64(delay * 1000)),
                ])
            } else {
                try spool.setMeta([
                    .lastFlushSuccessMs: String(nowMs), .lastError: nil, .consecutiveFailures: nil, .nextAttemptMs: nil,
                ])
            }
        } catch {
            log.write("could not save the flush result: \(error)")
        }
    }
}
