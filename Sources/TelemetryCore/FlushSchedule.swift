import GRDB

/// When the shim starts a background flush: events are pending, the flush interval has
/// passed since the last attempt, and no backoff (persisted by the flusher) is in force.
public struct FlushSchedule {
    public let spool: Spool

    public init(spool: Spool) {
        self.spool = spool
    }

    public func isDue(intervalSeconds: Int, now: Int64) throws -> Bool {
        try spool.read { db in
            let lastAttempt = try Spool.intMeta(db, .lastFlushAttemptMs) ?? 0
            let nextAttempt = try Spool.intMeta(db, .nextAttemptMs) ?? 0
            guard now >= Int64(lastAttempt) + Int64(intervalSeconds) * 1000, now >= Int64(nextAttempt) else { return false }
            return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM event)") ?? false
        }
    }
}
