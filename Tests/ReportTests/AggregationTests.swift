import Foundation
import TelemetryCore
import TelemetryReport
import Testing

/// Aggregation, de-duplication and the suppression rule, without a server.
@Suite("Aggregation and suppression")
struct AggregationTests {
    static let range = try! ReportRange(from: "2026-03-01", to: "2026-03-31")

    static func report(_ events: [FixtureEvent], k: Int = 5, by granularity: PeriodGranularity = .month) -> UsageReport {
        var aggregator = UsageAggregator(granularity: granularity)
        for event in events.sorted(by: { $0.day < $1.day }) { aggregator.ingest(event.parsed) }
        return aggregator.report(range: range, k: k)
    }

    static func counts(_ report: UsageReport, event: String? = nil, os: String? = nil, build: String? = nil, period: String? = nil) -> ReportRow.Counts?? {
        report.rows.first { $0.event == event && $0.os == os && $0.build == build && $0.period == period }.map(\.counts)
    }

    @Test func countsEventsAndDistinctMachines() {
        var events: [FixtureEvent] = []
        for machine in 0..<6 {
            events.append(FixtureEvent(event: .startBegin, day: "2026-03-02", machine: machine))
            events.append(FixtureEvent(event: .startBegin, day: "2026-03-03", machine: machine))
            events.append(FixtureEvent(event: .startEnd, day: "2026-03-03", machine: machine))
        }
        let report = Self.report(events)
        #expect(Self.counts(report, event: "start_begin") == .some(.init(events: 12, machines: 6)))
        #expect(Self.counts(report, event: "start_end") == .some(.init(events: 6, machines: 6)))
        #expect(Self.counts(report) == .some(.init(events: 18, machines: 6)))
        #expect(Self.counts(report, os: "linux 6.1") == .some(.init(events: 18, machines: 6)))
        #expect(Self.counts(report, build: "1.0.0", period: "2026-03") == .some(.init(events: 18, machines: 6)))
    }

    @Test func cellsUnderKAreSuppressedAndLeftOutOfTotals() {
        var events: [FixtureEvent] = []
        for machine in 0..<6 { events.append(FixtureEvent(event: .startBegin, day: "2026-03-02", machine: machine)) }
        for machine in 0..<2 {
            for _ in 0..<7 { events.append(FixtureEvent(event: .bosh, day: "2026-03-02", machine: machine)) }
        }
        let report = Self.report(events)
        let bosh = report.rows.filter { $0.event == "bosh" }
        #expect(!bosh.isEmpty)
        #expect(bosh.allSatisfy { $0.isSuppressed })
        // The total is the sum of the published cells only: total − start_begin = 0, not 14.
        #expect(Self.counts(report) == .some(.init(events: 6, machines: 6)))
        #expect(Self.counts(report, os: "linux 6.1") == .some(.init(events: 6, machines: 6)))
    }

    @Test func suppressionCascadesUntilEveryCellHasKMachines() {
        // Five machines on build 1.0.0; one of them also ran a dev build once. The dev-build
        // cell (1 machine) is withheld, so its event leaves every total; nothing else changes.
        var events: [FixtureEvent] = []
        for machine in 0..<5 { events.append(FixtureEvent(event: .appCreated, day: "2026-03-05", machine: machine)) }
        events.append(FixtureEvent(event: .appCreated, day: "2026-03-06", machine: 0, build: "1.1.0-dev"))
        // And a sixth machine only on another OS: that OS cell is withheld, and with it the machine.
        events.append(FixtureEvent(event: .appCreated, day: "2026-03-07", machine: 5, os: "darwin 14.5"))
        let report = Self.report(events)
        #expect(Self.counts(report, event: "app_created") == .some(.init(events: 5, machines: 5)))
        #expect(Self.counts(report) == .some(.init(events: 5, machines: 5)))
        #expect(Self.counts(report, build: "1.1.0-dev") == .some(nil))
        #expect(Self.counts(report, os: "darwin 14.5") == .some(nil))
    }

    @Test func everythingIsWithheldBelowKMachinesOverall() {
        let events = (0..<4).map { FixtureEvent(event: .stop, day: "2026-03-09", machine: $0) }
        let report = Self.report(events)
        #expect(!report.rows.isEmpty)
        #expect(report.rows.allSatisfy { $0.isSuppressed })
    }

    /// Random data: every published cell has ≥ k machines, and every breakdown's published cells
    /// add up exactly to its published parent, so no withheld cell is a difference of published numbers.
    @Test(arguments: [1, 2, 3, 4, 5])
    func publishedNumbersNeverRevealASuppressedCell(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let oses = ["linux 6.1", "linux 6.8", "darwin 14.5", "darwin 15.1", "windows 10.0"]
        let builds = ["1.0.0", "1.1.0", "1.2.0", "1.2.1-dev"]
        let catalog: [EventName] = [.startBegin, .startEnd, .stop, .appCreated, .serviceCreated, .bosh, .error]
        var events: [FixtureEvent] = []
        for machine in 0..<40 {
            let os = oses[Int(random.next() % UInt64(machine < 30 ? 2 : oses.count))]
            let build = builds[Int(random.next() % UInt64(builds.count))]
            for _ in 0..<Int(random.next() % 12) {
                let day = String(format: "2026-03-%02d", Int(random.next() % 31) + 1)
                events.append(FixtureEvent(event: catalog[Int(random.next() % UInt64(catalog.count))], day: day, machine: machine, os: os, build: build))
            }
        }
        let k = 5
        let report = Self.report(events, k: k, by: .week)
        #expect(report.rows.contains { $0.isSuppressed })
        for row in report.rows { if let counts = row.counts { #expect(counts.machines >= k) } }
        let overall = report.overall?.counts
        for dimension in [ReportDimension.event, .os, .build, .period] {
            let sum = report.rows(by: [dimension]).compactMap(\.counts?.events).reduce(0, +)
            #expect(sum == (overall?.events ?? 0), "\(dimension)")
        }
        // Per-period breakdowns add up to each published period and to each published label.
        for dimension in [ReportDimension.event, .os, .build] {
            let cells = report.rows(by: [dimension, .period])
            for periodRow in report.rows(by: [.period]) {
                let sum = cells.filter { $0.period == periodRow.period }.compactMap(\.counts?.events).reduce(0, +)
                #expect(sum == (periodRow.counts?.events ?? 0))
            }
            for labelRow in report.rows(by: [dimension]) {
                let label = { (row: ReportRow) in dimension == .event ? row.event : dimension == .os ? row.os : row.build }
                let sum = cells.filter { label($0) == label(labelRow) }.compactMap(\.counts?.events).reduce(0, +)
                #expect(sum == (labelRow.counts?.events ?? 0))
            }
        }
    }

    @Test func duplicatesInAPartitionAreCountedOnce() throws {
        let events = (0..<5).map { FixtureEvent(event: .startBegin, day: "2026-03-10", machine: $0) }
        var aggregator = UsageAggregator(granularity: .day)
        let body = Data((events.map(\.line).joined(separator: "\n") + "\n").utf8)
        aggregator.ingest(object: body, partition: CivilDate("2026-03-10")!)
        aggregator.ingest(object: body, partition: CivilDate("2026-03-10")!)  // the same batch again, under another key
        aggregator.ingest(object: Data((events[0].line + "\n").utf8), partition: CivilDate("2026-03-10")!)
        #expect(aggregator.statistics.duplicates == 6)
        let report = aggregator.report(range: Self.range, k: 5)
        #expect(report.overall?.counts == .init(events: 5, machines: 5))
        #expect(report.input.duplicates == 6)
    }

    @Test func malformedLinesAreCountedNotFatal() throws {
        let good = (0..<5).map { FixtureEvent(event: .stop, day: "2026-03-11", machine: $0).line }
        let valid = FixtureEvent(event: .stop, day: "2026-03-11", machine: 9).line
        let bad = [
            "this is not json",
            "{\"schema\":1}",
            valid.replacingOccurrences(of: EventFixtures.anonymousID(9), with: "not-an-id"),
            valid.replacingOccurrences(of: "\"event\":\"stop\"", with: "\"event\":\"<script>\""),
            valid.replacingOccurrences(of: "\"os\":\"linux 6.1\"", with: "\"os\":\"linux\\n6.1\""),
            valid.replacingOccurrences(of: "2026-03-11T12:34:56.789Z", with: "yesterday"),
            "[1,2,3]",
            String(valid.prefix(40)),
        ]
        var aggregator = UsageAggregator(granularity: .day)
        let body = (good + bad).joined(separator: "\n") + "\n\n"
        aggregator.ingest(object: Data(body.utf8), partition: CivilDate("2026-03-11")!)
        #expect(aggregator.statistics.malformedLines == bad.count)
        #expect(aggregator.statistics.events == 5)
        let report = aggregator.report(range: Self.range, k: 5)
        #expect(report.overall?.counts == .init(events: 5, machines: 5))
        #expect(report.input.malformedLines == bad.count)
    }

    @Test func anEventIsCountedInItsPartitionsPeriod() {
        var aggregator = UsageAggregator(granularity: .day)
        for machine in 0..<5 {
            aggregator.ingest(FixtureEvent(event: .stop, day: "2026-03-12", machine: machine).parsed, partition: CivilDate("2026-03-13")!)
        }
        #expect(aggregator.statistics.misplaced == 5)
        let report = aggregator.report(range: Self.range, k: 5)
        #expect(report.rows(by: [.period]).map(\.period) == ["2026-03-13"])
    }
}

/// SplitMix64, for reproducible random test data.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
