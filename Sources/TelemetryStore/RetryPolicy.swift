import Foundation

/// Exponential backoff with full jitter (sleep a random time between 0 and
/// `min(cap, base * 2^attempt)`), bounded per run; and the longer, persisted delay before
/// the next run after a run gave up.
package struct RetryPolicy: Sendable {
    /// Tries of one request within a run, the first included.
    package var maxAttempts = 5
    /// Of those, the most that may end in a timeout (no complete answer within the request's
    /// deadline): a store that accepts connections and never answers is not waited for again
    /// and again.
    package var maxTimeoutAttempts = 5
    package var baseDelay: TimeInterval = 0.25
    package var maxDelay: TimeInterval = 8
    /// Delay before the next run after `n` failed runs: `runBackoffBase * 2^(n-1)`, capped.
    package var runBackoffBase: TimeInterval = 60
    package var runBackoffCap: TimeInterval = 6 * 3600

    package init() {}

    /// The team's commands (`report`, `compact`): a request that timed out is tried once more,
    /// so that a stalled store ends the run after two request deadlines, with one line.
    package static var team: RetryPolicy {
        var policy = RetryPolicy()
        policy.maxTimeoutAttempts = 2
        return policy
    }

    package func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return ceiling * min(max(random, 0), 1)
    }

    /// The wait before the next run, with jitter between half and all of it.
    package func nextRunDelay(failedRuns: Int, random: Double) -> TimeInterval {
        let full = min(runBackoffCap, runBackoffBase * pow(2, Double(max(0, failedRuns - 1))))
        return full * (0.5 + 0.5 * min(max(random, 0), 1))
    }
}
