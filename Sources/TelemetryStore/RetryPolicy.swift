import Foundation

/// Exponential backoff with full jitter (sleep a random time between 0 and
/// `min(cap, base * 2^attempt)`), bounded per run; and the longer, persisted delay before
/// the next run after a run gave up.
public struct RetryPolicy: Sendable {
    /// Tries of one request within a run, the first included.
    public var maxAttempts = 5
    /// Of those, the most that may end in a timeout (no complete answer within the request's
    /// deadline): a store that accepts connections and never answers is not waited for again
    /// and again.
    public var maxTimeoutAttempts = 5
    public var baseDelay: TimeInterval = 0.25
    public var maxDelay: TimeInterval = 8
    /// Delay before the next run after `n` failed runs: `runBackoffBase * 2^(n-1)`, capped.
    public var runBackoffBase: TimeInterval = 60
    public var runBackoffCap: TimeInterval = 6 * 3600

    public init() {}

    /// The team's commands (`report`, `compact`): a request that timed out is tried once more,
    /// so that a stalled store ends the run after two request deadlines, with one line.
    public static var team: RetryPolicy {
        var policy = RetryPolicy()
        policy.maxTimeoutAttempts = 2
        return policy
    }

    public func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return ceiling * min(max(random, 0), 1)
    }

    /// The wait before the next run, with jitter between half and all of it.
    public func nextRunDelay(failedRuns: Int, random: Double) -> TimeInterval {
        let full = min(runBackoffCap, runBackoffBase * pow(2, Double(max(0, failedRuns - 1))))
        return full * (0.5 + 0.5 * min(max(random, 0), 1))
    }
}
