import Foundation
import TelemetryCore
@testable import TelemetryReport
import TelemetryTestSupport
import TelemetryStore
import Testing

/// Compaction keeps exactly the lines the report counts: a hostile set of objects (lines on a
/// neighbouring day and two days off, copies within and across objects, malformed, too long,
/// non-ASCII and escaped lines, junk after a complete member, a cut last member, a damaged
/// object, erased events) gives the same report rows before and after `compact`, and each event
/// the report counts is in the day's compacted object exactly once, nothing else.
@Suite("Compaction keeps the lines the report counts", .serialized, .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct CompactionRulesTests {
    static let prefix = "rules/"
    static let day = "2026-12-01"
    static let nextDay = "2026-12-02"
    /// Machine 7 asked to be forgotten at this time: its events up to it are erased.
    static let erasedMachine = 7
    static let requestedAt = "2026-12-01T18:00:00.000Z"

    /// The lines of one object, and the event IDs of its partition the report must count.
    struct Fixture {
        var objects: [(name: String, body: Data)] = []
        var counted: [String: Set<String>] = [:]
    }

    /// An envelope line written by hand (any timestamp, machine, escapes).
    static func line(
        id: String, event: String = "stop", timestamp: String, machine: Int = 1, anonymousID: String? = nil, os: String = "linux 6.1",
        build: String = "1.0.0"
    ) -> String {
        "{\"schema\":1,\"event_id\":\"\(id)\",\"event\":\"\(event)\",\"timestamp\":\"\(timestamp)\","
            + "\"anonymous_id\":\"\(anonymousID ?? EventFixtures.anonymousID(machine))\",\"os\":\"\(os)\",\"build\":\"\(build)\",\"data\":{\"k\":[1,{\"a\":null}]}}"
    }

    static func gzip(_ lines: [String]) throws -> Data {
        try Gzip.compress(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func fixture() throws -> Fixture {
        var fixture = Fixture()
        func count(_ id: String, in partition: String = day) { fixture.counted[partition, default: []].insert(id) }
        let at = "T12:34:56.789Z"
        let plain = (0..<6).map { FixtureEvent(event: [.startBegin, .appCreated, .stop][$0 % 3], day: day, machine: $0) }
        plain.forEach { count($0.id) }

        // 1: plain lines, neighbouring days, days too far, copies, malformed, non-ASCII, escaped.
        var first = plain.map(\.line)
        first += [
            line(id: "neighbour-before", timestamp: "2026-11-30" + at, machine: 1),
            line(id: "neighbour-after", event: "bosh", timestamp: "2026-12-02T23:59:59Z", machine: 2),
            line(id: "two-days-after", timestamp: "2026-12-03T00:00:00Z", machine: 2),
            line(id: "two-days-before", timestamp: "2026-11-29T23:59:59.999Z", machine: 3),
            line(id: "far-then-near", timestamp: "2026-12-03" + at, machine: 3),
            plain[0].line,  // the same line again
            line(id: plain[1].id, timestamp: day + at, machine: 4, os: "darwin 15.1"),  // the same ID, other values
            "{\"schema\":1,\"event\":",  // not JSON
            "{\"schema\":\"one\"}",
            "{\"schema\":1}",
            "[1,2,3]",
            line(id: "unknown-event", event: "free_bitcoin", timestamp: day + at),
            line(id: "short-machine", timestamp: day + at, anonymousID: "abc"),
            line(id: "other-label", timestamp: day + at, os: "(other)"),
            line(id: "schema-zero", timestamp: day + at).replacingOccurrences(of: "\"schema\":1", with: "\"schema\":0"),
            line(id: "schema-float", timestamp: day + at).replacingOccurrences(of: "\"schema\":1", with: "\"schema\":1.0"),
            line(id: "bad-time", timestamp: "2026-12-01T24:00:00Z"),
            line(id: "too-long", timestamp: day + at, build: String(repeating: "b", count: 70_000)),
            "   \t",
            line(id: "carriage-return", event: "app_created", timestamp: day + at, machine: 5) + "\r",
            line(id: "accented", timestamp: day + at, machine: 2, os: "linux é"),
            line(id: "escaped\\u002did", timestamp: day + at, machine: 3, os: "linux\\u00206.1"),
            line(id: "escaped-quote", timestamp: day + at, machine: 4, build: "1.0\\\"x"),
            line(id: "control-escape", timestamp: day + at, os: "a\\u0009b"),
            line(id: "erased-here", timestamp: day + at, machine: erasedMachine),
            line(id: "erased-before", timestamp: "2026-11-30" + at, machine: erasedMachine),
            line(id: "not-erased-later", timestamp: "2026-12-01T18:00:00.001Z", machine: erasedMachine),
            line(id: "erased-upper-case", timestamp: day + at, anonymousID: EventFixtures.anonymousID(erasedMachine).uppercased()),
            line(id: "erased-then-copied", timestamp: day + at, machine: erasedMachine),
            line(id: "duplicate-keys", timestamp: day + at, machine: 4).replacingOccurrences(of: "\"os\":\"linux 6.1\"", with: "\"os\":\"a\",\"os\":\"linux 6.1\""),
        ]
        [
            "neighbour-before", "neighbour-after", "carriage-return", "accented", "escaped-id", "escaped-quote", "not-erased-later", "erased-upper-case",
            "duplicate-keys", "schema-float",
        ]
        .forEach { count($0) }
        fixture.objects.append(("20261201T000001000Z-a", try gzip(first)))

        // 2: copies of events of object 1 (exact, escaped the other way, once erased), and the
        // first countable copy of an event that was two days off in object 1.
        let second = [
            plain[2].line, line(id: "escaped-id", timestamp: day + at, machine: 3, os: "linux 6.1"),
            line(id: "erased-then-copied", timestamp: day + at, machine: 8), line(id: "far-then-near", timestamp: day + at, machine: 3),
            line(id: "neighbour-before", timestamp: "2026-11-30" + at, machine: 1), FixtureEvent(id: "second-new", event: .bosh, day: day, machine: 9).line,
        ]
        ["far-then-near", "second-new"].forEach { count($0) }
        fixture.objects.append(("20261201T000002000Z-b", try gzip(second)))

        // 3: junk after a complete member: the member's lines count.
        let third = (0..<3).map { FixtureEvent(id: "junk-\($0)", event: .stop, day: day, machine: $0 + 10) }
        third.forEach { count($0.id) }
        fixture.objects.append(("20261201T000003000Z-c", try gzip(third.map(\.line)) + Data("PK\u{3}\u{4} junk".utf8)))

        // 4: a whole member, then a cut one: only the first member's lines count; the cut
        // member's events are counted from object 5.
        let whole = (0..<2).map { FixtureEvent(id: "whole-\($0)", event: .stop, day: day, machine: $0) }
        whole.forEach { count($0.id) }
        let cut = try gzip((0..<3).map { FixtureEvent(id: "cut-\($0)", event: .stop, day: day, machine: $0).line } + [whole[0].line])
        fixture.objects.append(("20261201T000004000Z-d", try gzip(whole.map(\.line)) + cut.prefix(cut.count - 12)))
        let fifth = (0..<2).map { FixtureEvent(id: "cut-\($0)", event: .appCreated, day: day, machine: $0 + 3) }
        fifth.forEach { count($0.id) }
        fixture.objects.append(("20261201T000005000Z-e", try gzip(fifth.map(\.line))))

        // 6 and 7: a damaged object and one that is not gzip: nothing in them counts.
        var damaged = try gzip([FixtureEvent(id: "in-damaged", event: .stop, day: day, machine: 1).line, plain[3].line])
        damaged[damaged.count / 2] ^= 0xFF
        damaged[damaged.count / 2 + 1] ^= 0xFF
        fixture.objects.append(("20261201T000006000Z-f", damaged))
        fixture.objects.append(("20261201T000007000Z-g", Data("hello".utf8)))

        // The next day's partition: its own events, and copies of day 1's (another partition:
        // counted there too), one of them erased.
        let next = [
            FixtureEvent(id: "next-1", event: .startBegin, day: nextDay, machine: 1).line, line(id: plain[4].id, timestamp: day + at, machine: 4),
            line(id: "erased-here", timestamp: day + at, machine: erasedMachine), line(id: "next-kept", timestamp: nextDay + at, machine: erasedMachine),
            line(id: "next-far", timestamp: "2026-11-30" + at, machine: 2), plain[4].line,
        ]
        ["next-1", plain[4].id, "next-kept"].forEach { count($0, in: nextDay) }
        fixture.objects.append(("20261202T000001000Z-a", try gzip(next)))
        return fixture
    }

    /// The report of the range as the library reads it (k = 1: every cell shown) and what it read.
    static func libraryReport(_ client: S3Client) async throws -> (UsageReport, ReadStatistics) {
        let layout = PartitionLayout(prefix: prefix)
        let range = try ReportRange(from: "2026-11-28", to: "2026-12-04")
        var reader = BucketReader(client: client, layout: layout)
        reader.erasures = try await ErasureListing(client: client, layout: layout).read().erasures
        var aggregator = UsageAggregator(granularity: .day)
        try await reader.read(range: range, into: &aggregator)
        return (aggregator.report(range: range, k: 1), aggregator.statistics)
    }

    /// The event IDs of a day's compacted objects, with how often each is there.
    static func compactedIDs(_ client: S3Client, day: String) async throws -> (objects: Int, ids: [String: Int]) {
        let keys = try await client.listObjectsV2(prefix: "\(prefix)events/v1/dt=\(day)/compacted-").keys
        var ids: [String: Int] = [:]
        for key in keys {
            let text = try Gzip.decompress(try await client.getObject(key: key))
            for line in text.split(separator: 0x0A) {
                let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                ids[object?["event_id"] as? String ?? "?", default: 0] += 1
            }
        }
        return (keys.count, ids)
    }

    @Test func theReportIsTheSameBeforeAndAfterAndEachCountedEventIsKeptOnce() async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let layout = PartitionLayout(prefix: Self.prefix)
        let fixture = try Self.fixture()
        for (name, body) in fixture.objects {
            try await client.putObject(key: EventFixtures.key(prefix: Self.prefix, day: String(name.prefix(8)).dashedDay, name: name), body: body)
        }
        let request = try #require(
            ErasureRequest.milliseconds(ofTimestamp: Self.requestedAt).flatMap {
                ErasureRequest(anonymousID: EventFixtures.anonymousID(Self.erasedMachine), requestedMs: $0)
            })
        try await client.putObject(key: request.key(in: layout), body: request.body, writeOnce: true)

        let sandbox = try Sandbox()
        let env = server.environment(prefix: Self.prefix)
        let cli = ["report", "--from", "2026-11-28", "--to", "2026-12-04", "--by", "day", "--k", "2", "--format", "json", "--no-cache"]
        let (before, read) = try await Self.libraryReport(client)
        let beforeRows = try SeaweedReportTests.rows(try sandbox.cli(cli, env: env))
        let expected = fixture.counted.values.map(\.count).reduce(0, +)
        #expect(read.events == expected, "the report counts the events the fixture says it counts")
        #expect(read.erased == 4 && read.objectsWithTrailingJunk == 2 && read.rejectedObjects[.damaged] == 1, "\(read)")
        #expect(read.rejectedLines[.outsidePartition] == 4 && read.rejectedLines[.tooLong] == 1, "\(read.rejectedLines)")

        for round in 1...2 {
            let compact = try sandbox.cli(["compact", "--from", Self.day, "--to", Self.nextDay], env: env)
            #expect(compact.status == 0, "\(compact.stderr)")
            if round == 1 {
                // What was left out, and why (copies within and across objects, an erased event's
                // copy among them; every rejected line, the too long one included).
                #expect(compact.stdout.contains("dt=\(Self.day): 7 objects → 1 (25 events; 3 erased, 6 copies and 14 rejected lines left out; 2 unreadable kept)"), "\(compact.stdout)")
                #expect(compact.stdout.contains("dt=\(Self.nextDay): 1 object → 1 (3 events; 1 erased, 1 copies and 1 rejected lines left out; 0 unreadable kept)"), "\(compact.stdout)")
            }
            let (after, afterRead) = try await Self.libraryReport(client)
            #expect(after.rows == before.rows, "round \(round)")
            #expect(afterRead.events == read.events && afterRead.misplaced == read.misplaced, "round \(round): \(afterRead)")
            #expect(afterRead.erased == 0 && afterRead.duplicates == 0, "round \(round): \(afterRead)")
            #expect(SeaweedReportTests.same(try SeaweedReportTests.rows(try sandbox.cli(cli, env: env)), beforeRows), "round \(round)")
            for (day, counted) in fixture.counted {
                let (objects, ids) = try await Self.compactedIDs(client, day: day)
                #expect(objects == 1, "\(day)")
                #expect(Set(ids.keys) == counted, "\(day): kept \(ids.keys.sorted()), counted \(counted.sorted())")
                #expect(ids.values.allSatisfy { $0 == 1 }, "\(day): \(ids.filter { $0.value > 1 })")
            }
        }
        // The damaged and the not-gzip objects stay where they were.
        let left = try await client.listObjectsV2(prefix: "\(Self.prefix)events/v1/dt=\(Self.day)/").keys
        #expect(left.count == 3 && left.filter { $0.contains("/compacted-") }.count == 1, "\(left)")
    }
}

extension String {
    /// `20261201` → `2026-12-01`.
    fileprivate var dashedDay: String {
        "\(prefix(4))-\(dropFirst(4).prefix(2))-\(dropFirst(6).prefix(2))"
    }
}
