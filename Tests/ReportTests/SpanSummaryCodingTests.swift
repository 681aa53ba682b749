import Foundation
import TelemetryCore
@testable import TelemetryReport
import Testing

/// A span's summary (`SpanSummary`) without a store: what the aggregator records of a span's
/// objects merges back as those objects do, under any period; its encoding refuses any damage.
@Suite("Span summaries")
struct SpanSummaryCodingTests {
    static let span = DaySpan(first: CivilDate("2026-03-02")!, last: CivilDate("2026-03-04")!)

    static func partial(_ events: [FixtureEvent]) -> ObjectPartial {
        ObjectPartial.read(ndjson: Data((events.map(\.line).joined(separator: "\n") + "\n").utf8), partition: CivilDate(events[0].day)!)
    }

    /// Three objects of the span (the second repeating two events of the first), by day.
    static func objects() -> [(day: CivilDate, partial: ObjectPartial)] {
        let first = (0..<5).map { FixtureEvent(event: .startBegin, day: "2026-03-02", machine: $0) }
        let second = Array(first.prefix(2)) + (0..<3).map { FixtureEvent(event: .stop, day: "2026-03-02", machine: $0, os: "darwin 14.5") }
        let third = (0..<4).map { FixtureEvent(event: .appCreated, day: "2026-03-04", machine: $0 + 2, build: "1.1.0") }
        return [first, second, third].map { (CivilDate($0[0].day)!, partial($0)) }
    }

    @Test func aRecordedSpanMergesAsItsObjectsUnderAnyPeriod() throws {
        let range = try ReportRange(from: "2026-03-02", to: "2026-03-04")
        var recorded = UsageAggregator(granularity: .month)
        recorded.startRecording(Self.span)
        for (index, object) in Self.objects().enumerated() {
            recorded.merge(object.partial, partition: object.day)
            recorded.recordObject(key: "k\(index)", etag: "e\(index)", day: object.day)
        }
        let finished = recorded.finishRecording()
        let summary = try #require(finished)
        #expect(summary.objects.map(\.key) == ["k0", "k1", "k2"])
        #expect(summary.dayEvents[0]?.count == 8 && summary.dayEvents[2]?.count == 4 && summary.dayEvents[1] == nil)
        // Every period the span's days share (by day they are three periods, three spans).
        for granularity in [PeriodGranularity.week, .month, .quarter] {
            var direct = UsageAggregator(granularity: granularity)
            for object in Self.objects() { direct.merge(object.partial, partition: object.day) }
            var merged = UsageAggregator(granularity: granularity)
            merged.merge(summary, span: Self.span)
            #expect(merged.report(range: range, k: 2) == direct.report(range: range, k: 2), "by \(granularity)")
            #expect(merged.statistics.events == 12 && merged.statistics.duplicates == 2)
        }
    }

    @Test func aMergeOutsideTheSpanSpoilsTheRecord() {
        var aggregator = UsageAggregator(granularity: .month)
        aggregator.startRecording(Self.span)
        let outside = Self.partial([FixtureEvent(event: .stop, day: "2026-03-05", machine: 1)])
        aggregator.merge(outside, partition: CivilDate("2026-03-05")!)
        #expect(aggregator.finishRecording() == nil)
    }

    /// A span of more events than a record holds is not summarised (memory stays bounded); the
    /// numbers are those of the objects all the same.
    @Test func aSpanOfMoreEventsThanARecordHoldsIsNotSummarised() throws {
        let range = try ReportRange(from: "2026-03-02", to: "2026-03-04")
        var direct = UsageAggregator(granularity: .month)
        for object in Self.objects() { direct.merge(object.partial, partition: object.day) }
        for (limit, kept) in [(12, true), (11, false)] {  // the span's objects hold 12 distinct events
            var aggregator = UsageAggregator(granularity: .month)
            aggregator.maxRecordedEvents = limit
            aggregator.startRecording(Self.span)
            for (index, object) in Self.objects().enumerated() {
                aggregator.merge(object.partial, partition: object.day)
                aggregator.recordObject(key: "k\(index)", etag: "e\(index)", day: object.day)
            }
            let summary = aggregator.finishRecording()
            #expect((summary != nil) == kept, "limit \(limit)")
            #expect(aggregator.report(range: range, k: 2) == direct.report(range: range, k: 2))
            #expect(aggregator.statistics == direct.statistics)
        }
    }

    @Test func summariesSurviveTheirEncodingAndDamageIsRefused() throws {
        var aggregator = UsageAggregator(granularity: .day)
        aggregator.startRecording(Self.span)
        for object in Self.objects() { aggregator.merge(object.partial, partition: object.day) }
        let finished = aggregator.finishRecording()
        let summary = try #require(finished)
        let coded = SummaryCoding.encode(summary)
        #expect(SummaryCoding.decode(coded, dayCount: Self.span.dayCount) == summary)
        // Any cut, any extra byte, a day past the span, a label index past the labels: not a summary.
        for cut in stride(from: 0, to: coded.count, by: 5) { #expect(SummaryCoding.decode(coded.prefix(cut), dayCount: 3) == nil) }
        #expect(SummaryCoding.decode(coded + Data([0]), dayCount: 3) == nil)
        #expect(SummaryCoding.decode(coded, dayCount: 2) == nil)
        var badIndex = coded
        badIndex[badIndex.count - 9] = 0xFF  // the high byte of the last atom's build index
        #expect(SummaryCoding.decode(badIndex, dayCount: 3) == nil)
    }
}
