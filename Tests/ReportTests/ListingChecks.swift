import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryTestSupport
import TelemetryStore
import Testing

/// Ranges that start and end on days holding data give the same keys on every store (SeaweedFS's
/// `start-after` skips the keys inside the "folder" it names, so a listing must not rely on it).
enum ListingChecks {
    /// Five consecutive days with data, 6 machines each; each day's count is distinct.
    static let days = ["2026-04-30", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"]

    static func putDays(prefix: String) async throws {
        let client = try S3TestServer.requireCurrent().client()
        for (index, day) in days.enumerated() {
            let events = (0..<6).flatMap { machine in
                (0...index).map { _ in FixtureEvent(event: .startBegin, day: day, machine: machine) }
            }
            // Two objects per day, so that a page of one key ends inside a partition.
            try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "a"), body: try EventFixtures.object(events.prefix(6).map(\.line)))
            try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "b"), body: try EventFixtures.object(events.dropFirst(6).map(\.line)))
        }
    }

    /// Events of each day: 6 × (index + 1).
    static func events(_ day: String) -> Int { 6 * (days.firstIndex(of: day)! + 1) }

    static func checkDayBoundaries(prefix: String) async throws {
        try await putDays(prefix: prefix)
        let server = try S3TestServer.requireCurrent()
        for (from, to) in [("2026-05-02", "2026-05-02"), ("2026-05-01", "2026-05-03"), ("2026-04-30", "2026-04-30"), ("2026-05-04", "2026-05-04")] {
            for pageSize in [nil, 1] {
                var aggregator = UsageAggregator(granularity: .day)
                let reader = BucketReader(client: try server.client(), layout: PartitionLayout(prefix: prefix), pageSize: pageSize)
                let range = try ReportRange(from: from, to: to)
                try await reader.read(range: range, into: &aggregator)
                let expected = days.filter { range.contains(CivilDate($0)!) }
                #expect(aggregator.statistics.objects == 2 * expected.count, "\(server.kind) \(from)…\(to)")
                let report = aggregator.report(range: range, k: 5)
                for day in expected {
                    #expect(report.rows.first { $0.dimensions == [.period] && $0.period == day }?.counts?.events == events(day), "\(server.kind) \(day)")
                }
                #expect(report.overall?.counts?.events == expected.map(events).reduce(0, +), "\(server.kind) \(from)…\(to) page \(pageSize ?? 0)")
            }
        }
        // And through the command line, a one-day range on the data's day.
        let result = try Sandbox().cli(
            ["report", "--from", "2026-05-02", "--to", "2026-05-02", "--format", "json", "--no-cache"], env: server.environment(prefix: prefix))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(ReportChecks.row(try ReportChecks.jsonRows(result.stdout))?["events"] as? Int == events("2026-05-02"))
    }
}
