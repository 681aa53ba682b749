import Foundation

/// The one retry loop of every store request (the flusher's PUTs, the report's and
/// compaction's listings, GETs, PUTs and DELETEs): a retryable failure (5xx, 429, `SlowDown`,
/// timeouts, refused or dropped connections) is tried again after the policy's backoff, up to
/// its `maxAttempts`; a skewed-clock answer whose `Date` the client believes corrects the clock
/// and is tried again at once (at most `clockCorrections` times, not counted as a try); any
/// other failure, or one that would wait past `deadline`, is thrown as it is.
package struct RetryingRequest: Sendable {
    package let client: S3Client
    package let policy: RetryPolicy
    /// No try starts after it, and no backoff would sleep past it.
    package var deadline: Date
    package var clockCorrections = 2
    package let clock: @Sendable () -> Date

    /// What one try may take: what is left until `deadline`, at most 30 s, at least 0.5 s (a
    /// try that starts just in time can still be answered); 30 s without a finite deadline.
    package static func tryTimeout(until deadline: Date, now: Date) -> TimeInterval {
        let left = deadline.timeIntervalSince(now)
        return left.isFinite ? max(0.5, min(30, left)) : 30
    }

    package init(client: S3Client, policy: RetryPolicy, deadline: Date = .distantFuture, clock: @escaping @Sendable () -> Date = Date.init) {
        self.client = client
        self.policy = policy
        self.deadline = deadline
        self.clock = clock
    }

    /// Thrown when the deadline came before a try could start.
    package struct DeadlineReached: Error, CustomStringConvertible {
        package var description: String { "stopped at the time limit" }
    }

    /// Runs `operation` until it succeeds or fails for good. `onFailure` sees every failure
    /// with its try number; `onClockCorrected` runs after the client's clock was corrected.
    package func run<T>(
        onFailure: (S3Error, Int) -> Void = { _, _ in }, onClockCorrected: () -> Void = {},
        _ operation: () async throws -> T
    ) async throws -> T {
        var attempt = 0
        var timeouts = 0
        var corrections = 0
        while true {
            attempt += 1
            if clock() >= deadline { throw DeadlineReached() }
            do {
                return try await operation()
            } catch let error as S3Error {
                onFailure(error, attempt)
                if error.code == .timeout {
                    timeouts += 1
                    if timeouts >= policy.maxTimeoutAttempts { throw error }
                }
                switch error.classification {
                case .clockSkew where corrections < clockCorrections && client.correctClock(from: error):
                    corrections += 1
                    attempt -= 1
                    onClockCorrected()
                case .retryable where attempt < policy.maxAttempts, .clockSkew where attempt < policy.maxAttempts:
                    // (A skew answer whose Date is not believable is retried as it is.)
                    let wait = policy.delay(afterAttempt: attempt, random: Double.random(in: 0...1))
                    if clock().addingTimeInterval(wait) >= deadline { throw error }
                    try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                default:
                    throw error
                }
            }
        }
    }
}
