import Foundation
import GRDB
import TelemetryRules

extension Spool {
    /// Stores events in one transaction, then enforces the cap: past `cap` pending events
    /// the oldest not yet sealed into a batch are dropped and counted. `when` is asked inside
    /// the transaction, holding the write lock: false stores nothing (and returns false).
    @discardableResult
    package func record(_ envelopes: [Envelope], cap: Int, when wanted: () -> Bool = { true }) throws -> Bool {
        try write { db in
            guard wanted() else { return false }
            for envelope in envelopes {
                try db.execute(
                    sql: "INSERT INTO event (event_id, day, line) VALUES (?, ?, ?)",
                    arguments: [envelope.eventID, envelope.day, envelope.jsonLine])
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                arguments: [SpoolKey.firstRecordedMs.rawValue, String(WallClock.nowMilliseconds())])
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
            if pending > cap {
                try db.execute(
                    sql: "DELETE FROM event WHERE seq IN (SELECT seq FROM event WHERE batch_id IS NULL ORDER BY seq LIMIT ?)",
                    arguments: [pending - cap])
                let dropped = db.changesCount
                if dropped > 0 {
                    try Self.addToMeta(db, .droppedUnreported, dropped)
                    try Self.addToMeta(db, .droppedTotal, dropped)
                }
            }
            return true
        }
    }

    /// Number of events not yet uploaded (sealed into a batch or not).
    package func pendingCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0 }
    }

    /// The pending events' NDJSON lines, oldest first: exactly what will be uploaded.
    package func pendingLines() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT line FROM event ORDER BY seq") }
    }

    /// Calls `body` with each pending line, oldest first, without loading them all at once.
    package func forEachPendingLine(_ body: (String) throws -> Void) throws {
        try read { db in
            let cursor = try String.fetchCursor(db, sql: "SELECT line FROM event ORDER BY seq")
            while let line = try cursor.next() { try body(line) }
        }
    }

    /// Deletes every pending event and batch; returns how many events were deleted.
    @discardableResult
    package func purge() throws -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM event")
            let deleted = db.changesCount
            try db.execute(sql: "DELETE FROM batch")
            try Self.setMeta(db, .droppedUnreported, nil)
            return deleted
        }
    }

    /// Dropped events not yet reported with an upload, and dropped since creation.
    package func droppedCounts() throws -> (unreported: Int, total: Int) {
        try read { db in
            (try Self.intMeta(db, .droppedUnreported) ?? 0, try Self.intMeta(db, .droppedTotal) ?? 0)
        }
    }
}
