import GRDB

/// When the shim starts a background flush: events are pending, the flush interval has
/// passed since the last attempt (before the first attempt, since the first event was
/// recorded: a new install does not upload on its first command), and no backoff
/// (persisted by the flusher) is in force.
/// Times read from the spool may be anything: the arithmetic saturates instead of trapping.
package struct FlushSchedule {
    package let spool: Spool

    package init(spool: Spool) {
        self.spool = spool
    }

    package func isDue(intervalSeconds: Int, now: Int64) throws -> Bool {
        try spool.read { db in
            // Before any attempt, the interval counts from the first recorded event; that is
            // later than `now` when `now` is the end of the command being recorded (the
            // detached recorder writes after it), which must not count as "passed".
            let since: Int64
            if let lastAttempt = try Spool.intMeta(db, .lastFlushAttemptMs) {
                since = Int64(lastAttempt)
            } else if let firstRecorded = try Spool.intMeta(db, .firstRecordedMs) {
                since = min(Int64(firstRecorded), now)
            } else {
                return false
            }
            let nextAttempt = Int64(try Spool.intMeta(db, .nextAttemptMs) ?? 0)
            guard Self.hasPassed(intervalSeconds: intervalSeconds, since: since, now: now),
                now >= nextAttempt || nextAttempt - now > Self.maxBackoffMs
            else { return false }
            return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM event)") ?? false
        }
    }

    /// Whether `intervalSeconds` have passed since `since` (ms); a time in the future (a clock
    /// set back) counts as passed, so that it never blocks flushing.
    static func hasPassed(intervalSeconds: Int, since: Int64, now: Int64) -> Bool {
        guard since <= now else { return true }
        let elapsed = now.subtractingReportingOverflow(since)
        let interval = Int64(intervalSeconds).multipliedReportingOverflow(by: 1000)
        if elapsed.overflow { return true }
        if interval.overflow { return false }
        return elapsed.partialValue >= interval.partialValue
    }

    /// A persisted backoff longer than this (more than the flusher ever sets) is not believed.
    static let maxBackoffMs: Int64 = 7 * 86_400_000
}
