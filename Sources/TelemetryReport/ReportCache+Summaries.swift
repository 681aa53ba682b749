import Crypto
import Foundation
import GRDB
import TelemetryCore

/// The report cache's span summaries (`SpanSummary`): for each span of days (`DaySpan`) of a
/// store and erasure variant, a base row written when the span was read object by object, then
/// a delta row per re-run that added objects to it. The rows of a span share a random
/// generation and are numbered from 0; each carries an HMAC-SHA256 over the format, store,
/// variant, span, number, generation and summary, so a damaged, forged, swapped or missing row
/// (or one of another generation) makes the whole summary a miss: the span is read object by
/// object and a new base row replaces them all.
extension ReportCache {
    static let summaryTable = """
        CREATE TABLE span_summaries (
          source TEXT NOT NULL, variant TEXT NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL, seq INTEGER NOT NULL,
          part INTEGER NOT NULL, generation BLOB NOT NULL, mac BLOB NOT NULL, summary BLOB NOT NULL,
          UNIQUE (source, variant, first, last, seq, part))
        """
    /// Rows one summary may have; at this many, the next re-run reads the span object by object
    /// and writes one base row again.
    static let maxSummaryRows = 16
    /// The largest summary row read, all its parts together (a larger one is a miss).
    static let maxSummaryBytes = 1 << 30
    /// A summary row is stored in parts of about this many bytes (`SummaryCoding`'s parts), so
    /// that saving one holds a part at a time, never the whole row (tens of megabytes for a
    /// month of a large community, copied again by SQLite when bound).
    static let summaryPartBytes = 1 << 20

    /// A span's summary: its rows, in order, and their generation.
    struct SpanSummaries: Sendable {
        var generation: Data
        var rows: [SpanSummary]
    }

    /// The summary of `span`, or nil when there is none usable (absent, of too many rows, or any
    /// row damaged, forged, missing a part or of another generation).
    func summaries(span: DaySpan) throws -> SpanSummaries? {
        let stored = try guarded { () -> [(generation: Data, mac: Data, blob: Data)]? in
            try queue.read { db in
                let cursor = try GRDB.Row.fetchCursor(
                    db,
                    sql: """
                        SELECT seq, part, generation, mac, CASE WHEN length(summary) <= ? THEN summary END FROM span_summaries
                        WHERE source = ? AND variant = ? AND first = ? AND last = ? ORDER BY seq, part
                        """,
                    arguments: [Self.maxSummaryBytes, source, variant, span.first.description, span.last.description])
                var rows: [(generation: Data, mac: Data, blob: Data)] = []
                var nextPart: Int64 = 0
                while let row = try cursor.next() {
                    let seq: Int64 = row[0], part: Int64 = row[1], generation: Data = row[2]
                    if part == 0 {
                        // Each row's parts follow it, numbered from 0; its MAC is on part 0.
                        guard seq == Int64(rows.count), rows.count < Self.maxSummaryRows else { return nil }
                        rows.append((generation, row[3], Data()))
                    } else {
                        guard seq == Int64(rows.count - 1), part == nextPart, generation == rows[rows.count - 1].generation else { return nil }
                    }
                    guard let blob: Data = row[4], blob.count <= Self.maxSummaryBytes - rows[rows.count - 1].blob.count else { return nil }
                    rows[rows.count - 1].blob.append(blob)
                    nextPart = part + 1
                }
                return rows
            }
        }
        guard let stored, !stored.isEmpty else { return nil }
        let generation = stored[0].generation
        guard generation.count == 16 else { return nil }
        var rows: [SpanSummary] = []
        for (index, row) in stored.enumerated() {
            guard row.generation == generation,
                summaryMAC(span: span, seq: index, generation: generation, parts: [row.blob]) == row.mac,
                let summary = SummaryCoding.decode(row.blob, dayCount: span.dayCount)
            else { return nil }
            rows.append(summary)
        }
        return SpanSummaries(generation: generation, rows: rows)
    }

    /// Keeps `summary` as the whole of `span`'s summary (a new generation; other rows of the span,
    /// of any variant, are dropped).
    func saveSummary(_ summary: SpanSummary, span: DaySpan) throws {
        let generation = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        try guarded {
            try queue.write { db in
                try db.execute(
                    sql: "DELETE FROM span_summaries WHERE source = ? AND first = ? AND last = ?",
                    arguments: [source, span.first.description, span.last.description])
                try insert(db, summary, span: span, seq: 0, generation: generation)
            }
        }
    }

    /// Adds `delta` (what a re-run added) to the summary `existing` of `span`.
    func appendSummary(_ delta: SpanSummary, span: DaySpan, to existing: SpanSummaries) throws {
        try guarded {
            try queue.write { db in
                try insert(db, delta, span: span, seq: existing.rows.count, generation: existing.generation)
            }
        }
    }

    /// Writes `summary` as row `seq`, a part at a time, then its MAC (over all the parts) on part 0.
    private func insert(_ db: Database, _ summary: SpanSummary, span: DaySpan, seq: Int, generation: Data) throws {
        let identity: [any DatabaseValueConvertible] = [source, variant, span.first.description, span.last.description, seq]
        try db.execute(
            sql: "DELETE FROM span_summaries WHERE source = ? AND variant = ? AND first = ? AND last = ? AND seq = ?",
            arguments: StatementArguments(identity))
        let statement = try db.makeStatement(
            sql: "INSERT INTO span_summaries (source, variant, first, last, seq, part, generation, mac, summary) VALUES (?, ?, ?, ?, ?, ?, ?, X'', ?)")
        var mac = SummaryMAC(key: key, fields: macFields(span: span, seq: seq, generation: generation))
        var part = 0
        try SummaryCoding.encode(summary, partBytes: Self.summaryPartBytes) { bytes in
            mac.update(bytes)
            try statement.execute(arguments: StatementArguments(identity + [part, generation, Data(bytes)]))
            part += 1
        }
        try db.execute(
            sql: "UPDATE span_summaries SET mac = ? WHERE source = ? AND variant = ? AND first = ? AND last = ? AND seq = ? AND part = 0",
            arguments: StatementArguments([mac.finalize()] + identity))
    }

    /// A summary row's MAC over its parts (`SummaryMAC`).
    func summaryMAC(span: DaySpan, seq: Int, generation: Data, parts: [Data]) -> Data {
        var mac = SummaryMAC(key: key, fields: macFields(span: span, seq: seq, generation: generation))
        for part in parts { part.withUnsafeBytes { mac.update($0) } }
        return mac.finalize()
    }

    private func macFields(span: DaySpan, seq: Int, generation: Data) -> [Data] {
        [
            Data("report-summary-\(Self.formatVersion)".utf8), Data(source.utf8), Data(variant.utf8), Data(span.first.description.utf8),
            Data(span.last.description.utf8), Data(String(seq).utf8), generation,
        ]
    }
}

/// The MAC of a summary row: HMAC-SHA256 over the format version and each identifying field,
/// length first, then the row's bytes as they are written, part by part, and their total length.
struct SummaryMAC {
    private var hmac: HMAC<SHA256>
    private var length: UInt64 = 0

    init(key: SymmetricKey, fields: [Data]) {
        hmac = HMAC<SHA256>(key: key)
        for field in fields {
            withUnsafeBytes(of: UInt64(field.count).bigEndian) { hmac.update(data: $0) }
            hmac.update(data: field)
        }
    }

    mutating func update(_ bytes: some DataProtocol) {
        length += UInt64(bytes.count)
        hmac.update(data: bytes)
    }

    func finalize() -> Data {
        var hmac = self.hmac
        withUnsafeBytes(of: length.bigEndian) { hmac.update(data: $0) }
        return Data(hmac.finalize())
    }
}
