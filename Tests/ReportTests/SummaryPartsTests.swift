import Foundation
import TelemetryCore
@testable import TelemetryReport
import TelemetryTestSupport
import Testing

/// A span summary too large for one part (`ReportCache.summaryPartBytes`): it is written a part
/// at a time and read back whole, and a missing, extra, reordered, damaged or foreign part makes
/// the whole summary a miss.
@Suite("Span summaries in parts")
struct SummaryPartsTests {
    static let span = DaySpan(first: CivilDate("2026-04-01")!, last: CivilDate("2026-04-30")!)
    let folder = TemporaryFolder("summary-parts")

    /// A month of a large community in small: 3 days of 150,000 event hashes (3.6 MB, four parts
    /// of a megabyte), 2,000 atoms, two objects.
    static func summary(seed: UInt64) -> SpanSummary {
        var generator = SeededRandom(seed: seed)
        var summary = SpanSummary()
        summary.labels = ["stop", "start_begin", "linux 6.8", "darwin 14.5", "1.0.0"]
        summary.totals[\.objects] = 2
        summary.totals[\.events] = 450_000
        summary.objects = [.init(day: 0, key: "events/v1/dt=2026-04-01/a.ndjson.gz", etag: "e1"), .init(day: 29, key: "events/v1/dt=2026-04-30/b.ndjson.gz", etag: "e2")]
        for day in [0, 7, 29] { summary.dayEvents[day] = (0..<150_000).map { _ in generator.next() } }
        summary.atoms = (0..<2000).map { SpanSummary.Atom(machine: generator.next(), event: UInt32($0 % 2), os: 2 + UInt32($0 % 2), build: 4, count: 1 + UInt64($0 % 7)) }
        return summary
    }

    func cache() throws -> ReportCache {
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        return try ReportCache(path: folder.path + "/cache.sqlite", source: "parts")
    }

    @Test func theEncodingStreamsInPartsThatMakeTheWhole() {
        let summary = Self.summary(seed: 1)
        var parts: [[UInt8]] = []
        SummaryCoding.encode(summary, partBytes: 1000) { parts.append($0) }
        #expect(Data(parts.joined()) == SummaryCoding.encode(summary))
        #expect(parts.count > 3_000)
        #expect(parts.dropLast().allSatisfy { $0.count >= 1000 }, "a part short of the size before the last")
        #expect(parts.allSatisfy { $0.count <= 2000 + 64 }, "a part far past the size: \(parts.map(\.count).max() ?? 0)")
    }

    @Test func aSummaryOfManyPartsReadsBackWhole() throws {
        let cache = try cache()
        let base = Self.summary(seed: 2), delta = Self.summary(seed: 3)
        try cache.saveSummary(base, span: Self.span)
        #expect(try parts(seq: 0) == 4)
        let saved = try #require(try cache.summaries(span: Self.span))
        #expect(saved.rows == [base])
        try cache.appendSummary(delta, span: Self.span, to: saved)
        #expect(try cache.summaries(span: Self.span)?.rows == [base, delta])
    }

    @Test(arguments: [
        ("a missing middle part", "DELETE FROM span_summaries WHERE part = 2"),
        ("a missing first part", "DELETE FROM span_summaries WHERE part = 0"),
        ("a missing last part", "DELETE FROM span_summaries WHERE part = 3"),
        ("two parts swapped", "UPDATE span_summaries SET part = -1 WHERE part = 1; UPDATE span_summaries SET part = 1 WHERE part = 2; UPDATE span_summaries SET part = 2 WHERE part = -1"),
        (
            "two parts' bytes swapped",
            "CREATE TEMP TABLE p AS SELECT part, summary FROM span_summaries WHERE part IN (1, 2); UPDATE span_summaries SET summary = (SELECT summary FROM p WHERE p.part = 3 - span_summaries.part) WHERE part IN (1, 2)"
        ),
        ("a part repeated at the end", "INSERT INTO span_summaries SELECT source, variant, first, last, seq, 4, generation, mac, summary FROM span_summaries WHERE part = 1"),
        ("a byte flipped in the last part", "UPDATE span_summaries SET summary = substr(summary, 1, length(summary) - 1) || X'FF' WHERE part = 3"),
        ("a part of another generation", "UPDATE span_summaries SET generation = zeroblob(16) WHERE part = 2"),
        ("a gap in the numbering", "UPDATE span_summaries SET part = 7 WHERE part = 3"),
    ])
    func aDamagedPartIsAMiss(_ damage: String, _ sql: String) throws {
        let cache = try cache()
        try cache.saveSummary(Self.summary(seed: 4), span: Self.span)
        #expect(try cache.summaries(span: Self.span) != nil)
        try SeaweedReportTests.python(
            """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            c.executescript(sys.argv[2])
            """, [cache.path, sql])
        #expect(try cache.summaries(span: Self.span) == nil, "\(damage)")
    }

    /// Parts stored for row `seq` of the span.
    func parts(seq: Int) throws -> Int {
        let result = try ChildRunner.run(
            "/usr/bin/env",
            [
                "python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM span_summaries WHERE seq = ?', (int(sys.argv[2]),)).fetchone()[0])",
                folder.path + "/cache.sqlite", String(seq),
            ],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
