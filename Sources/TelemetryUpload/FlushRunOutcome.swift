import TelemetryRules

/// How one `FlushRun` ended, for the command to say and to turn into its exit status. What
/// went wrong with the settings, the spool or the store's address is thrown instead.
package enum FlushRunOutcome: Sendable, Equatable {
    /// Nothing was tried, and nothing is wrong.
    case nothingSent(NothingSentReason)
    /// In the background, another flush holds the lock: nothing done.
    case anotherFlushRunning
    /// Run by hand, it waited for another flush, which sent every event this one had to send.
    case otherFlushSentIt
    /// Run by hand, another flush still held the lock when the wait ended (`unsent`: events
    /// pending at the start and still in the spool).
    case anotherFlushStillRunning(waitedSeconds: Int, unsent: Int)
    /// Events may not be sent (telemetry is not on, or an override): only the pending erasure
    /// request was, and whether that failed.
    case erasureOnly(erasureFailed: Bool)
    /// The store stopped the upload: why, in one line, what the flusher did before that, and
    /// the events in the spool now.
    case uploadFailed(why: String, flushed: Flusher.Outcome, pending: Int)
    /// Every batch the flusher made was stored.
    case uploaded(FlushUploadSummary)

    /// Why a flush had nothing to do.
    package enum NothingSentReason: Sendable, Equatable {
        /// `DO_NOT_TRACK`, the kill switch or the managed policy, and no erasure request pending.
        case override(TelemetryOverride)
        /// No telemetry folder (`directory`): nothing was ever recorded here.
        case noTelemetryFolder(directory: String)
        /// Consent is not on (and this is not the final flush of `off`), and no erasure request pending.
        case telemetryNotOn
    }
}

/// What a flush that uploaded without a store failure leaves to say: the flusher's counts,
/// what is still pending, and where the events went.
package struct FlushUploadSummary: Sendable, Equatable {
    package var flushed: Flusher.Outcome
    /// Events in the spool after the run (recorded meanwhile included).
    package var pending: Int
    /// Events pending when the flush started and still unsent (the flush promised those).
    package var unsentFromStart: Int
    /// The bucket and the key prefix the events went under (`<prefix>events/v1/`).
    package var bucket: String
    package var eventsRoot: String
    /// Whether the pending erasure request, sent first, could not be sent.
    package var erasureFailed: Bool
}
