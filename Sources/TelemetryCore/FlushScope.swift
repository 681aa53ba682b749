import GRDB

/// What one flush was asked to send: the events pending when it started (by their sequence
/// number). Events recorded while it runs are not its promise; any of its own left unsent
/// make it fail.
package struct FlushScope: Sendable {
    /// The highest event sequence number pending at the start; 0 when nothing was.
    package let lastSeq: Int64

    /// The events pending in `spool` now.
    package init(spool: Spool) throws {
        lastSeq = try spool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0 }
    }

    /// How many of those events are still in the spool, unsent.
    package func unsent(in spool: Spool) throws -> Int {
        try spool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE seq <= ?", arguments: [lastSeq]) ?? 0
        }
    }
}
