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
          generation BLOB NOT NULL, mac BLOB NOT NULL, summary BLOB NOT NULL, UNIQUE (source, variant, first, last, seq))
        """
    /// Rows one summary may have; at this many, the next re-run reads the span object by object
    /// and writes one base row again.
    static let maxSummaryRows = 16
    /// The largest summary row read (a larger one is a miss).
    static let maxSummaryBytes = 1 << 30

    /// A span's summary: its rows, in order, and their generation.
    struct SpanSummaries: Sendable {
        var generation: Data
        var rows: [SpanSummary]
    }

    /// The summary of `span`, or nil when there is none usable (absent, of too many rows, or any
    /// row damaged, forged, missing or of another generation).
    func summaries(span: DaySpan) throws -> SpanSummaries? {
        let stored = try guarded {
            try queue.read { db in
                try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT seq, generation, CASE WHEN length(summary) <= ? THEN summary END, mac FROM span_summaries
                        WHERE source = ? AND variant = ? AND first = ? AND last = ? ORDER BY seq LIMIT ?
                        """,
                    arguments: [Self.maxSummaryBytes, source, variant, span.first.description, span.last.description, Self.maxSummaryRows + 1])
            }
        }
        guard !stored.isEmpty, stored.count <= Self.maxSummaryRows else { return nil }
        let generation: Data = stored[0][1]
        guard generation.count == 16 else { return nil }
        var rows: [SpanSummary] = []
        for (index, row) in stored.enumerated() {
            let seq: Int64 = row[0]
            let rowGeneration: Data = row[1]
            guard seq == Int64(index), rowGeneration == generation, let blob: Data = row[2] else { return nil }
            let mac: Data = row[3]
            guard Data(summaryMAC(span: span, seq: index, generation: generation, summary: blob)) == mac,
                let summary = SummaryCoding.decode(blob, dayCount: span.dayCount)
            else { return nil }
            rows.append(summary)
        }
        return SpanSummaries(generation: generation, rows: rows)
    }

    /// Keeps `summary` as the whole of `span`'s summary (a new generation; other rows of the span,
    /// of any variant, are dropped). The summary is let go once encoded (it is as large as its row).
    func saveSummary(_ summary: consuming SpanSummary, span: DaySpan) throws {
        let generation = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let blob = SummaryCoding.encode(summary)
        _ = consume summary
        let mac = Data(summaryMAC(span: span, seq: 0, generation: generation, summary: blob))
        try guarded {
            try queue.write { db in
                try db.execute(
                    sql: "DELETE FROM span_summaries WHERE source = ? AND first = ? AND last = ?",
                    arguments: [source, span.first.description, span.last.description])
                try insert(db, span: span, seq: 0, generation: generation, blob: blob, mac: mac)
            }
        }
    }

    /// Adds `delta` (what a re-run added) to the summary `existing` of `span`.
    func appendSummary(_ delta: SpanSummary, span: DaySpan, to existing: SpanSummaries) throws {
        let seq = existing.rows.count
        let blob = SummaryCoding.encode(delta)
        let mac = Data(summaryMAC(span: span, seq: seq, generation: existing.generation, summary: blob))
        try guarded {
            try queue.write { db in
                try insert(db, span: span, seq: seq, generation: existing.generation, blob: blob, mac: mac)
            }
        }
    }

    private func insert(_ db: Database, span: DaySpan, seq: Int, generation: Data, blob: Data, mac: Data) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO span_summaries (source, variant, first, last, seq, generation, summary, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [source, variant, span.first.description, span.last.description, seq, generation, blob, mac])
    }

    /// A summary row's MAC: HMAC-SHA256 over the format version and each field, length first.
    func summaryMAC(span: DaySpan, seq: Int, generation: Data, summary: Data) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: key)
        let fields = [
            Data("report-summary-\(Self.formatVersion)".utf8), Data(source.utf8), Data(variant.utf8), Data(span.first.description.utf8),
            Data(span.last.description.utf8), Data(String(seq).utf8), generation, summary,
        ]
        for field in fields {
            withUnsafeBytes(of: UInt64(field.count).bigEndian) { hmac.update(data: $0) }
            hmac.update(data: field)
        }
        return hmac.finalize()
    }
}
