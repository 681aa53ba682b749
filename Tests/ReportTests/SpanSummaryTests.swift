import Foundation
import TelemetryCore
@testable import TelemetryReport
import TelemetryStore
import TelemetryTestSupport
import Testing

/// The report cache's span summaries against SeaweedFS: a re-run merges a span's summary and reads
/// only the objects it does not cover; whatever changed between runs (new objects repeating
/// cached events, compaction, a damaged or forged summary, another range, period or erasure
/// set), the report is a run's without the cache.
extension SeaweedReportTests {
    /// What one run of the report over `range` makes and reads, through the cache at `path`
    /// (nil: no cache).
    static func summaryRun(
        _ client: S3Client, prefix: String, range: ReportRange, by granularity: PeriodGranularity, cache path: String?,
        erasures: ErasureSet = ErasureSet()
    ) async throws -> (report: UsageReport, statistics: ReadStatistics) {
        var aggregator = UsageAggregator(granularity: granularity)
        let cache = try path.map { try ReportCache(path: $0, source: "summaries|\(prefix)", variant: erasures.digest) }
        var reader = BucketReader(client: client, layout: PartitionLayout(prefix: prefix), pageSize: 3, cache: cache)
        reader.erasures = erasures
        try await reader.read(range: range, into: &aggregator)
        return (aggregator.report(range: range, k: 2), aggregator.statistics)
    }

    /// Runs through the cache and without it, expects the same report; the cached run's statistics.
    @discardableResult
    static func expectSameAsUncached(
        _ client: S3Client, prefix: String, range: ReportRange, by granularity: PeriodGranularity, cache path: String,
        erasures: ErasureSet = ErasureSet(), _ comment: Comment
    ) async throws -> ReadStatistics {
        let cached = try await summaryRun(client, prefix: prefix, range: range, by: granularity, cache: path, erasures: erasures)
        let fresh = try await summaryRun(client, prefix: prefix, range: range, by: granularity, cache: nil, erasures: erasures)
        #expect(cached.report == fresh.report, comment)
        #expect(cached.statistics.events == fresh.statistics.events && cached.statistics.duplicates == fresh.statistics.duplicates, comment)
        return cached.statistics
    }

    /// The rows of the cached summary of `first`…`last` (nil: none usable).
    static func summaryRows(_ path: String, prefix: String, _ first: String, _ last: String, variant: String = "") throws -> Int? {
        let cache = try ReportCache(path: path, source: "summaries|\(prefix)", variant: variant)
        return try cache.summaries(span: DaySpan(first: CivilDate(first)!, last: CivilDate(last)!))?.rows.count
    }

    static func put(_ client: S3Client, prefix: String, day: String, name: String, _ events: [FixtureEvent]) async throws {
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: name), body: try EventFixtures.object(events.map(\.line)))
    }

    @Test func aReRunMergesTheSpansSummaryAndReadsOnlyItsNewObjects() async throws {
        let prefix = "summary-new/"
        let client = try S3TestServer.requireCurrent().client()
        var events: [String: [[FixtureEvent]]] = [:]
        for day in ["2026-03-01", "2026-03-02", "2026-03-04"] {
            for part in 0..<3 {
                let objectEvents = (0..<5).map { FixtureEvent(event: part == 0 ? .startBegin : .appCreated, day: day, machine: $0 + part) }
                events[day, default: []].append(objectEvents)
                try await Self.put(client, prefix: prefix, day: day, name: "20260301T00000\(part)000Z-a", objectEvents)
            }
        }
        let sandbox = try Sandbox()
        let cache = sandbox.root + "/summaries.sqlite"
        let range = try ReportRange(from: "2026-03-01", to: "2026-03-06")
        let cold = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "cold")
        #expect(cold.fetchedObjects == 9 && cold.events == 45)
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-03-01", "2026-03-06") == 1)

        // A retried upload after the cached objects: its three repeated events count once.
        let retried = Array(events["2026-03-02"]![1].prefix(3)) + (0..<2).map { FixtureEvent(event: .stop, day: "2026-03-02", machine: $0) }
        try await Self.put(client, prefix: prefix, day: "2026-03-02", name: "20260302T100000000Z-retry", retried)
        let afterRetry = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "a retried upload")
        #expect(afterRetry.fetchedObjects == 1 && afterRetry.cachedObjects == 9, "\(afterRetry)")
        #expect(afterRetry.events == 47 && afterRetry.duplicates == 3, "\(afterRetry)")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-03-01", "2026-03-06") == 2)

        // A new object on a day the summary has no object of.
        try await Self.put(client, prefix: prefix, day: "2026-03-03", name: "20260303T000000000Z-new", (0..<4).map { FixtureEvent(event: .bosh, day: "2026-03-03", machine: $0) })
        let afterNewDay = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "a new day")
        #expect(afterNewDay.fetchedObjects == 1 && afterNewDay.cachedObjects == 10 && afterNewDay.events == 51, "\(afterNewDay)")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-03-01", "2026-03-06") == 3)

        // A new object whose key comes before the cached ones, holding another version of a cached
        // event: a cold run counts its copy (the first in key order), so the span is read object
        // by object and its summary written whole again.
        var changed = events["2026-03-04"]![2][0]
        changed.event = .stop
        try await Self.put(client, prefix: prefix, day: "2026-03-04", name: "10000000-early", [changed])
        let afterEarly = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "an earlier copy")
        #expect(afterEarly.fetchedObjects == 1 && afterEarly.cachedObjects == 11, "\(afterEarly)")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-03-01", "2026-03-06") == 1)

        // Nothing new: nothing read.
        let again = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "unchanged")
        #expect(again.fetchedObjects == 0 && again.cachedObjects == 12, "\(again)")
        withExtendedLifetime(sandbox) {}
    }

    /// A new object of a summarised span that is gone when fetched (its day compacted meanwhile):
    /// the summary is not merged with a hole in it; the span is read object by object, its day
    /// listed again, and no event is lost: the report is a run's without the cache.
    @Test func aNewObjectThatVanishesWhileReadSendsTheSpanBackToItsObjects() async throws {
        let prefix = "summary-vanish/"
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        for day in ["2026-06-01", "2026-06-02"] {
            for part in 0..<3 {
                try await Self.put(
                    client, prefix: prefix, day: day, name: "20260601T00000\(part)000Z-a", (0..<4).map { FixtureEvent(event: .appCreated, day: day, machine: $0 + part) })
            }
        }
        let sandbox = try Sandbox()
        let cache = sandbox.root + "/summaries.sqlite"
        let range = try ReportRange(from: "2026-06-01", to: "2026-06-02")
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "cold")
        try await Self.put(client, prefix: prefix, day: "2026-06-01", name: "20260601T100000000Z-new", (0..<3).map { FixtureEvent(event: .stop, day: "2026-06-01", machine: $0) })
        try await FaultProxy.with(server) { proxy in
            // The re-run's one object GET (the new object) is held while the object is deleted.
            try await proxy.script(["hold"], methods: ["GET"], objectsOnly: true)
            let proxied = S3Client(endpoint: try S3Endpoint(url: URL(string: proxy.url)!, bucket: server.bucket, region: server.region), credentials: server.credentials)
            let warm = Task { try await Self.summaryRun(proxied, prefix: prefix, range: range, by: .month, cache: cache) }
            let held = try await proxy.waitForLog(timeout: 60) { $0.contains { $0.action == "hold" } }
            #expect(held.first { $0.action == "hold" }?.path.contains("-new") == true, "\(held.map(\.path))")
            // Meanwhile the day is compacted (straight to the store): the new object's events
            // are now in an object the re-run has not listed.
            let compact = try Self.cli(sandbox, ["compact", "--from", "2026-06-01", "--to", "2026-06-01"], prefix: prefix)
            #expect(compact.status == 0, "\(compact.stderr)")
            try await proxy.release()
            let result = try await warm.value
            let fresh = try await Self.summaryRun(client, prefix: prefix, range: range, by: .month, cache: nil)
            // The rows are a cold run's; the input summary says what was read: the day's three
            // objects from the cache, then again as the compacted object (12 copies).
            #expect(result.report.rows == fresh.report.rows)
            #expect(result.statistics.events == 27 && fresh.statistics.events == 27, "\(result.statistics)")
            #expect(result.statistics.duplicates == 12, "\(result.statistics)")
            #expect(result.statistics.rereadDays == 1, "\(result.statistics)")
        }
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-06-01", "2026-06-02") == 1)
        let again = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "again")
        #expect(again.fetchedObjects == 0 && again.cachedObjects == 4 && again.events == 27, "\(again)")
        withExtendedLifetime(sandbox) {}
    }

    @Test func aSummarisedSpanThatCompactionRewroteIsReadAgain() async throws {
        let prefix = "summary-compact/"
        let client = try S3TestServer.requireCurrent().client()
        for day in ["2026-04-01", "2026-04-02"] {
            for part in 0..<4 {
                let objectEvents = (0..<4).map { FixtureEvent(event: part % 2 == 0 ? .startBegin : .appCreated, day: day, machine: $0 + part) }
                try await Self.put(client, prefix: prefix, day: day, name: "20260401T00000\(part)000Z-a", objectEvents)
                if part == 1 { try await Self.put(client, prefix: prefix, day: day, name: "20260401T00000\(part)000Z-resent", objectEvents) }
            }
        }
        let sandbox = try Sandbox()
        let cache = sandbox.root + "/summaries.sqlite"
        let range = try ReportRange(from: "2026-04-01", to: "2026-04-02")
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .week, cache: cache, "cold")
        try await Self.put(client, prefix: prefix, day: "2026-04-01", name: "20260401T100000000Z-new", (0..<3).map { FixtureEvent(event: .stop, day: "2026-04-01", machine: $0) })
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .week, cache: cache, "one new object")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-04-01", "2026-04-02") == 2)

        let compact = try Self.cli(sandbox, ["compact", "--from", "2026-04-01", "--to", "2026-04-02"], prefix: prefix)
        #expect(compact.status == 0, "\(compact.stderr)")
        let afterCompaction = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .week, cache: cache, "compacted")
        #expect(afterCompaction.fetchedObjects == 2 && afterCompaction.cachedObjects == 0, "\(afterCompaction)")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-04-01", "2026-04-02") == 1)
        let again = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .week, cache: cache, "again")
        #expect(again.fetchedObjects == 0 && again.cachedObjects == 2, "\(again)")
    }

    /// Runs `sql` on the cache file (as anyone who can write it could).
    static func edit(_ path: String, _ sql: String) throws {
        try python(
            """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            c.executescript(sys.argv[2])
            """, [path, sql])
    }

    @Test func aDamagedForgedOrIncompleteSummaryIsAMiss() async throws {
        let prefix = "summary-forged/"
        let client = try S3TestServer.requireCurrent().client()
        for (day, count) in [("2026-05-01", 4), ("2026-05-02", 7)] {
            for part in 0..<2 {
                try await Self.put(client, prefix: prefix, day: day, name: "part-\(part)", (0..<count).map { FixtureEvent(event: .appCreated, day: day, machine: $0 + part) })
            }
        }
        let sandbox = try Sandbox()
        let cache = sandbox.root + "/summaries.sqlite"
        let range = try ReportRange(from: "2026-05-01", to: "2026-05-02")
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .day, cache: cache, "cold")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-01", "2026-05-01") == 1)

        // The two days' summaries swapped, MACs and all: each still decodes, and would count the
        // other day's events.
        try Self.edit(
            cache,
            """
            CREATE TEMP TABLE saved AS SELECT first, summary, mac FROM span_summaries;
            UPDATE span_summaries SET summary = (SELECT summary FROM saved WHERE saved.first != span_summaries.first),
              mac = (SELECT mac FROM saved WHERE saved.first != span_summaries.first);
            """)
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-01", "2026-05-01") == nil)
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .day, cache: cache, "swapped")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-01", "2026-05-01") == 1)

        // A damaged byte.
        try Self.edit(cache, "UPDATE span_summaries SET summary = substr(summary, 1, length(summary) - 1) || X'FF';")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-02", "2026-05-02") == nil)
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .day, cache: cache, "damaged")

        // Two delta rows, then the first deleted: the summary is incomplete, a miss.
        for part in 2..<4 {
            try await Self.put(client, prefix: prefix, day: "2026-05-02", name: "part-\(part)", (0..<3).map { FixtureEvent(event: .stop, day: "2026-05-02", machine: $0 + part) })
            try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .day, cache: cache, "new part \(part)")
        }
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-02", "2026-05-02") == 3)
        try Self.edit(cache, "DELETE FROM span_summaries WHERE first = '2026-05-02' AND seq = 1;")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-02", "2026-05-02") == nil)
        let incomplete = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .day, cache: cache, "incomplete")
        #expect(incomplete.fetchedObjects == 0, "\(incomplete)")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-05-02", "2026-05-02") == 1)
        withExtendedLifetime(sandbox) {}
    }

    @Test func aSummaryServesOnlyItsOwnDaysPeriodsAndErasures() async throws {
        let prefix = "summary-spans/"
        let client = try S3TestServer.requireCurrent().client()
        let days = (1...10).map { String(format: "2026-06-%02d", $0) }
        for (index, day) in days.enumerated() {
            for part in 0..<2 {
                let objectEvents = (0..<(3 + index % 3)).map {
                    FixtureEvent(event: part == 0 ? .startBegin : .routeCreated, day: day, machine: $0 + part, os: index % 2 == 0 ? "linux 6.1" : "darwin 14.5")
                }
                try await Self.put(client, prefix: prefix, day: day, name: "part-\(part)", objectEvents)
            }
        }
        let sandbox = try Sandbox()
        let cache = sandbox.root + "/summaries.sqlite"
        let range = try ReportRange(from: "2026-06-01", to: "2026-06-10")
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "cold, by month")
        for granularity in [PeriodGranularity.week, .day, .quarter, .month] {
            try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: granularity, cache: cache, "by \(granularity)")
        }
        // A range that cuts the month (and the weeks) elsewhere.
        let cut = try ReportRange(from: "2026-06-03", to: "2026-06-08")
        for granularity in [PeriodGranularity.month, .week] {
            try await Self.expectSameAsUncached(client, prefix: prefix, range: cut, by: granularity, cache: cache, "cut, by \(granularity)")
        }
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-06-03", "2026-06-08") == 1)
        let whole = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "the whole range again")
        #expect(whole.fetchedObjects == 0 && whole.cachedObjects == 20, "\(whole)")

        // A new object: every period and cut sees it once.
        try await Self.put(client, prefix: prefix, day: "2026-06-05", name: "part-9", (0..<4).map { FixtureEvent(event: .stop, day: "2026-06-05", machine: $0) })
        for granularity in [PeriodGranularity.week, .month, .day] {
            try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: granularity, cache: cache, "new, by \(granularity)")
            try await Self.expectSameAsUncached(client, prefix: prefix, range: cut, by: granularity, cache: cache, "new, cut, by \(granularity)")
        }

        // A new erasure request: another variant, read again (its summary replaces the span's).
        let erasures = ErasureSet([try #require(ErasureRequest(anonymousID: EventFixtures.anonymousID(1), requestedMs: 4_000_000_000_000))])
        let erased = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, erasures: erasures, "erased")
        #expect(erased.erased > 0 && erased.cachedObjects == 0, "\(erased)")
        #expect(try Self.summaryRows(cache, prefix: prefix, "2026-06-01", "2026-06-10", variant: erasures.digest) == 1)
        let erasedAgain = try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, erasures: erasures, "erased again")
        #expect(erasedAgain.fetchedObjects == 0 && erasedAgain.erased == erased.erased, "\(erasedAgain)")
        try await Self.expectSameAsUncached(client, prefix: prefix, range: range, by: .month, cache: cache, "no erasure again")
        withExtendedLifetime(sandbox) {}
    }
}
