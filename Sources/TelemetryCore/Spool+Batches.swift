import Foundation
import GRDB
import TelemetryRules

/// An upload batch whose membership, ID, key and bytes are persisted before its PUT, so a
/// flusher killed at any point re-sends the same key with the same bytes.
package struct SealedBatch: Sendable, Equatable {
    package var id: String
    package var objectKey: String
    package var day: String
    package var body: Data
    package var eventCount: Int
    /// Events dropped at the cap, reported with this upload.
    package var droppedReported: Int
}

/// Limits of one batch: events and uncompressed NDJSON bytes.
package struct BatchLimits: Sendable {
    package var maxEvents: Int
    package var maxBytes: Int

    package init(maxEvents: Int, maxBytes: Int) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1, maxBytes)
    }
}

extension Spool {
    /// Batches sealed earlier and not yet confirmed by the store, oldest first.
    package func sealedBatches() throws -> [SealedBatch] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM batch ORDER BY rowid").map(Self.batch(from:))
        }
    }

    /// Seals the oldest UTC day's oldest unbatched events into a new batch, within
    /// `limits`, in one transaction: the batch row (with its body, made by `makeBody` from
    /// the NDJSON text) and the events' membership are written together. Nil when nothing
    /// is left to seal.
    package func sealNextBatch(
        limits: BatchLimits, layout: PartitionLayout, now: Int64 = WallClock.nowMilliseconds(),
        makeBody: ([UInt8]) throws -> Data
    ) throws -> SealedBatch? {
        try write { db in
            guard
                let day = try String.fetchOne(
                    db, sql: "SELECT day FROM event WHERE batch_id IS NULL ORDER BY day, seq LIMIT 1")
            else { return nil }
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, line FROM event WHERE batch_id IS NULL AND day = ? ORDER BY seq LIMIT ?",
                arguments: [day, limits.maxEvents])
            var text: [UInt8] = []
            var lastSeq: Int64 = 0
            var count = 0
            while let row = try rows.next() {
                let line: String = row["line"]
                if count > 0 && text.count + line.utf8.count + 1 > limits.maxBytes { break }
                text.append(contentsOf: line.utf8)
                text.append(0x0a)
                lastSeq = row["seq"]
                count += 1
            }
            let id = Self.newBatchID(now: now)
            let key = layout.batchKey(day: day, batchID: id)
            let dropped = try Self.intMeta(db, .droppedUnreported) ?? 0
            let body = try makeBody(text)
            try db.execute(
                sql: """
                    INSERT INTO batch (id, object_key, day, body, event_count, dropped_reported, created_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, key, day, body, count, dropped, now])
            try db.execute(
                sql: "UPDATE event SET batch_id = ? WHERE batch_id IS NULL AND day = ? AND seq <= ?",
                arguments: [id, day, lastSeq])
            try Self.setMeta(db, .droppedUnreported, nil)
            return SealedBatch(id: id, objectKey: key, day: day, body: body, eventCount: count, droppedReported: dropped)
        }
    }

    /// After the store answered 200 for the batch's PUT: its events leave the spool.
    package func completeBatch(id: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM event WHERE batch_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM batch WHERE id = ?", arguments: [id])
        }
    }

    /// `20261123T185020123Z-1f2e3d4c5b6a7980`: sortable by sealing time, unique by its random tail.
    static func newBatchID(now: Int64) -> String {
        let stamp = Timestamp.iso8601(milliseconds: now).filter { $0 != "-" && $0 != ":" && $0 != "." }  // 20261123T185020123Z
        return stamp + "-" + Hex.encode(RandomBytes.make(8))
    }

    static func batch(from row: Row) -> SealedBatch {
        SealedBatch(
            id: row["id"], objectKey: row["object_key"], day: row["day"], body: row["body"],
            eventCount: row["event_count"], droppedReported: row["dropped_reported"])
    }
}
