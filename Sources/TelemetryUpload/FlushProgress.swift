import TelemetryCore

/// What a `FlushRun` reports while it runs, in order, for the command to show at once (a
/// line about waiting must be seen before the wait, not after it).
package enum FlushProgress: Sendable, Equatable {
    /// Another flush holds the lock: this one waits up to `seconds` for it, then sends what is left.
    case waitingForAnotherFlush(seconds: Int)
    /// The pending erasure request is in the store now, at `key` in `bucket`.
    case erasureSent(ErasureRecord, bucket: String, key: String)
    /// The pending erasure request could not be sent (why, in one line); it stays pending for
    /// the next flush.
    case erasureFailed(String)
}
