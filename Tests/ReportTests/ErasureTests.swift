import Foundation
import TelemetryCore
@testable import TelemetryReport
import Testing

/// Erasure requests as read from the store, and as the report's aggregation honours them.
@Suite("erasure requests")
struct ErasureTests {
    static let layout = PartitionLayout(prefix: "team")

    static func request(_ machine: Int, _ at: String) throws -> ErasureRequest {
        try #require(ErasureRequest.milliseconds(ofTimestamp: at).flatMap { ErasureRequest(anonymousID: EventFixtures.anonymousID(machine), requestedMs: $0) })
    }

    @Test("a request is three fields under its own key, and reads back")
    func requestRoundTrip() throws {
        let request = try Self.request(1, "2026-12-06T14:50:02.123Z")
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body == "{\"schema\":1,\"anonymous_id\":\"\(EventFixtures.anonymousID(1))\",\"requested_at\":\"2026-12-06T14:50:02.123Z\"}\n")
        let key = request.key(in: Self.layout)
        #expect(key == "team/erasures/v1/\(EventFixtures.anonymousID(1))/20261206T145002123Z.json")
        #expect(ErasureRequest.parse(Array(request.body), key: key, layout: Self.layout) == request)
    }

    @Test(
        "anything but exactly a request is rejected",
        arguments: [
            "{\"schema\":1,\"anonymous_id\":\"ID\",\"requested_at\":\"2026-12-06T14:50:02.123Z\",\"name\":\"x\"}",
            "{\"schema\":2,\"anonymous_id\":\"ID\",\"requested_at\":\"2026-12-06T14:50:02.123Z\"}",
            "{\"schema\":true,\"anonymous_id\":\"ID\",\"requested_at\":\"2026-12-06T14:50:02.123Z\"}",
            "{\"schema\":1,\"anonymous_id\":\"UPPER\",\"requested_at\":\"2026-12-06T14:50:02.123Z\"}",
            "{\"schema\":1,\"anonymous_id\":\"ID\",\"requested_at\":\"2026-12-06T14:50:02Z\"}",
            "{\"schema\":1,\"anonymous_id\":\"ID\",\"requested_at\":\"2026-13-06T14:50:02.123Z\"}",
            "{\"schema\":1,\"anonymous_id\":\"ID\"}",
            "[1,2,3]", "not json", "",
        ])
    func malformed(_ template: String) {
        let text = template.replacingOccurrences(of: "UPPER", with: EventFixtures.anonymousID(1).uppercased())
            .replacingOccurrences(of: "ID", with: EventFixtures.anonymousID(1))
        #expect(ErasureRequest.parse(Array(text.utf8)) == nil, "\(text)")
    }

    @Test("a request under another key, or over 1 KiB, is rejected")
    func misplacedOrHuge() throws {
        let request = try Self.request(1, "2026-12-06T14:50:02.123Z")
        let other = try Self.request(2, "2026-12-06T14:50:02.123Z").key(in: Self.layout)
        #expect(ErasureRequest.parse(Array(request.body), key: other, layout: Self.layout) == nil)
        var padded = Array(request.body)
        padded.insert(contentsOf: [UInt8](repeating: 0x20, count: 1100), at: 1)
        #expect(ErasureRequest.parse(padded) == nil)
    }

    @Test(
        "timestamps are read to the millisecond, the fraction cut",
        arguments: [
            ("2026-01-05T10:00:00Z", Int64(0)), ("2026-01-05T10:00:00.1Z", 100), ("2026-01-05T10:00:00.12Z", 120),
            ("2026-01-05T10:00:00.123Z", 123), ("2026-01-05T10:00:00.123999999Z", 123),
        ])
    func milliseconds(_ timestamp: String, _ millis: Int64) throws {
        let base = try #require(ErasureRequest.milliseconds(ofTimestamp: "2026-01-05T10:00:00.000Z"))
        #expect(ErasureRequest.milliseconds(ofTimestamp: timestamp) == base + millis)
        #expect(base == 1_767_607_200_000)
    }

    static func line(_ id: String, machine: Int, at timestamp: String) -> String {
        Envelope(eventID: id, event: .stop, timestamp: timestamp, anonymousID: EventFixtures.anonymousID(machine), os: "linux", build: "1.0").jsonLine
    }

    @Test("a machine's events up to its latest request are erased, counted once; later ones and other machines count")
    func aggregation() throws {
        let day = CivilDate(year: 2026, month: 1, day: 5)!
        let lines = [
            Self.line("a1", machine: 1, at: "2026-01-05T09:00:00.000Z"),
            Self.line("a2", machine: 1, at: "2026-01-05T10:00:00.123Z"),  // at the request's time: erased
            Self.line("a3", machine: 1, at: "2026-01-05T10:00:00.124Z"),  // after it: counted
            Self.line("a1", machine: 1, at: "2026-01-05T09:00:00.000Z"),  // a copy of an erased event
            Self.line("b1", machine: 2, at: "2026-01-05T08:00:00.000Z"),
            Self.line("c1", machine: 3, at: "2026-01-05T08:00:00.000Z"),
        ]
        var erasures = ErasureSet()
        erasures.add(try Self.request(1, "2026-01-05T08:00:00.000Z"))
        erasures.add(try Self.request(1, "2026-01-05T10:00:00.123Z"))  // the later wins
        erasures.add(try Self.request(1, "2026-01-04T00:00:00.000Z"))  // an older one changes nothing
        erasures.add(try Self.request(7, "2026-01-06T00:00:00.000Z"))  // a machine with no events
        #expect(erasures.requests == 4)
        #expect(erasures.cutoffs.count == 2)

        var aggregator = UsageAggregator(granularity: .day)
        aggregator.ingest(object: Data((lines.joined(separator: "\n") + "\n").utf8), partition: day, erasures: erasures)
        // The copy is in a second object too.
        aggregator.ingest(object: Data((lines[0] + "\n").utf8), partition: day, erasures: erasures)
        let report = aggregator.report(range: try ReportRange(from: "2026-01-05", to: "2026-01-05"), k: 2)
        #expect(report.overall?.counts == ReportRow.Counts(events: 3, machines: 3))
        #expect(report.input.erased == 2)
        #expect(report.input.duplicates == 2)

        var plain = UsageAggregator(granularity: .day)
        plain.ingest(object: Data((lines.joined(separator: "\n") + "\n").utf8), partition: day)
        #expect(plain.report(range: try ReportRange(from: "2026-01-05", to: "2026-01-05"), k: 2).overall?.counts?.events == 5)
    }

    @Test("a cached partial keeps its erased events; the set's digest changes with any request")
    func cachingAndDigest() throws {
        let day = CivilDate(year: 2026, month: 1, day: 5)!
        let erasures = ErasureSet([try Self.request(1, "2026-01-05T10:00:00.123Z")])
        let partial = ObjectPartial.read(
            ndjson: Data((Self.line("a1", machine: 1, at: "2026-01-05T09:00:00.000Z") + "\n" + Self.line("b1", machine: 2, at: "2026-01-05T09:00:00.000Z") + "\n").utf8),
            partition: day, erasures: erasures)
        #expect(partial.erased.count == 1)
        #expect(partial.entries.count == 1)
        #expect(PartialCoding.decode(PartialCoding.encode(partial)) == partial)
        #expect(ErasureSet().digest == "")
        var more = erasures
        more.add(try Self.request(1, "2026-01-05T10:00:00.124Z"))
        #expect(more.digest != erasures.digest && !erasures.digest.isEmpty)
        #expect(ErasureSet([try Self.request(1, "2026-01-05T10:00:00.123Z")]).digest == erasures.digest)
    }
}
