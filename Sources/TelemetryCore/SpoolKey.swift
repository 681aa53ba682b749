/// Keys of the spool's `meta` table.
package enum SpoolKey: String, Sendable {
    /// Random per-install salt (hex) for name hashes; never sent.
    case salt
    /// Random machine ID kept when the OS has none; never sent.
    case fallbackMachineID = "fallback_machine_id"
    /// Events dropped at the cap and not yet reported with an upload.
    case droppedUnreported = "dropped_unreported"
    /// Events dropped at the cap since the spool was created (for `status`).
    case droppedTotal = "dropped_total"
    case lastFlushAttemptMs = "last_flush_attempt_ms"
    /// When the first event was recorded: before any upload attempt, the flush interval
    /// counts from here.
    case firstRecordedMs = "first_recorded_ms"
    case lastFlushSuccessMs = "last_flush_success_ms"
    case lastError = "last_error"
    case nextAttemptMs = "next_attempt_ms"
    case consecutiveFailures = "consecutive_failures"
    /// Correction (ms) learned from the store's `Date` after a clock-skew rejection.
    case clockOffsetMs = "clock_offset_ms"
}
