import Foundation
import TelemetryCore
@testable import TelemetryReport
import TelemetryStore
import Testing

/// What clients can put in the bucket, read without a server: bombs, junk, lines that are not
/// envelopes, label floods. Every case is rejected and counted by reason, the rest still counted.
@Suite("Hostile object content")
struct HostileContentTests {
    static let day = CivilDate("2026-03-11")!
    static let small = ObjectLimits(maxCompressedBytes: 1 << 20, maxDecompressedBytes: 4 << 20, maxLineBytes: 4096)

    static func honest(_ count: Int = 5, day: String = "2026-03-11") -> [FixtureEvent] {
        (0..<count).map { FixtureEvent(event: .stop, day: day, machine: $0) }
    }

    static func ndjson(_ lines: [String]) -> Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    @Test func aBombIsRejectedWhileInflatingNotAfter() throws {
        // 64 MiB of zeros in about 64 KB: inflating stops at the 4 MiB cap.
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 1 << 20)
        let partial = ObjectPartial.read(bomb, partition: Self.day, limits: Self.small)
        #expect(partial.rejection == .tooLarge)
        #expect(partial.entries.isEmpty)
        // Lines that add up past the cap: the whole object is rejected, not its first part counted.
        let line = Self.honest(1)[0].line
        let many = try Gzip.compress(Data(String(repeating: line + "\n", count: (5 << 20) / line.utf8.count).utf8))
        #expect(ObjectPartial.read(many, partition: Self.day, limits: Self.small).rejection == .tooLarge)
        // Larger than its compressed bound: not read at all.
        let big = Data(count: (1 << 20) + 1)
        #expect(ObjectPartial.read(big, partition: Self.day, limits: Self.small).rejection == .tooLarge)
    }

    @Test func aLongLineIsRejectedAndTheOthersCounted() throws {
        let long = "{\"schema\":1,\"event_id\":\"" + String(repeating: "a", count: 100_000) + "\"}"
        let events = Self.honest()
        let body = try Gzip.compress(Self.ndjson([events[0].line, long, long] + events.dropFirst().map(\.line)))
        let partial = ObjectPartial.read(body, partition: Self.day, limits: Self.small)
        #expect(partial.rejection == nil)
        #expect(partial.rejectedLines == [.tooLong: 2])
        #expect(partial.entries.count == 5)
        // The same line with no newline at all, at the very end.
        let tail = ObjectPartial.read(
            try Gzip.compress(Data((events[0].line + "\n" + long).utf8)), partition: Self.day, limits: Self.small)
        #expect(tail.rejectedLines == [.tooLong: 1])
        #expect(tail.entries.count == 1)
    }

    @Test func junkAfterAMemberKeepsTheMembersThatDecode() throws {
        let first = Self.honest(5)
        let second = (5..<8).map { FixtureEvent(event: .stop, day: "2026-03-11", machine: $0) }
        let member1 = try Gzip.compress(Self.ndjson(first.map(\.line)))
        let member2 = try Gzip.compress(Self.ndjson(second.map(\.line)))

        let junk = ObjectPartial.read(member1 + Data("garbage after the member".utf8), partition: Self.day, limits: Self.small)
        #expect(junk.rejection == nil && junk.hasTrailingJunk)
        #expect(junk.entries.count == 5)

        let zeros = ObjectPartial.read(member1 + Data(count: 512), partition: Self.day, limits: Self.small)
        #expect(zeros.hasTrailingJunk && zeros.entries.count == 5)

        let both = ObjectPartial.read(member1 + member2, partition: Self.day, limits: Self.small)
        #expect(!both.hasTrailingJunk && both.entries.count == 8)

        // A second member cut short: its lines are dropped, the first member's kept.
        let cut = ObjectPartial.read(member1 + member2.prefix(member2.count - 9), partition: Self.day, limits: Self.small)
        #expect(cut.hasTrailingJunk && cut.entries.count == 5 && cut.lines == 5)

        // The first member damaged or not gzip at all: nothing of it counts.
        var damaged = member1
        damaged[damaged.count / 2] ^= 0xFF
        let broken = ObjectPartial.read(damaged, partition: Self.day, limits: Self.small)
        #expect(broken.rejection == .damaged && broken.entries.isEmpty)
        #expect(ObjectPartial.read(member1.prefix(member1.count - 9), partition: Self.day, limits: Self.small).rejection == .damaged)
        #expect(ObjectPartial.read(Data("not gzip".utf8), partition: Self.day, limits: Self.small).rejection == .notGzip)
        #expect(ObjectPartial.read(Data(), partition: Self.day, limits: Self.small).rejection == .notGzip)

        var aggregator = UsageAggregator(granularity: .day)
        aggregator.merge(junk, partition: Self.day)
        aggregator.merge(broken, partition: Self.day)
        let report = aggregator.report(range: try ReportRange(from: "2026-03-01", to: "2026-03-31"), k: 5)
        #expect(report.overall?.counts == .init(events: 5, machines: 5))
        #expect(report.input.objectsWithTrailingJunk == 1)
        #expect(report.input.rejectedObjects == [.damaged: 1])
    }

    @Test func linesThatAreNotEnvelopesAreCountedByReason() throws {
        let valid = FixtureEvent(event: .stop, day: "2026-03-11", machine: 9).line
        let cases: [(String, LineRejection)] = [
            ("this is not json", .notJSON),
            ("[1,2,3]", .wrongType),
            (String(valid.prefix(40)), .notJSON),
            ("{\"schema\":1}", .missingField),
            (valid.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":\"1\""), .wrongType),
            (valid.replacingOccurrences(of: "\"os\":\"linux 6.1\"", with: "\"os\":61"), .wrongType),
            (valid.replacingOccurrences(of: "\"os\":\"linux 6.1\"", with: "\"os\":null"), .missingField),
            (valid.replacingOccurrences(of: "\"os\":\"linux 6.1\"", with: "\"os\":\"(other)\""), .invalidValue),
            (valid.replacingOccurrences(of: "\"os\":\"linux 6.1\"", with: "\"os\":\"linux\\n6.1\""), .invalidValue),
            (valid.replacingOccurrences(of: EventFixtures.anonymousID(9), with: "not-an-id"), .invalidValue),
            (valid.replacingOccurrences(of: "2026-03-11T12:34:56.789Z", with: "yesterday"), .invalidValue),
            (valid.replacingOccurrences(of: "2026-03-11T12:34:56.789Z", with: "2026-03-11T25:34:56.789Z"), .invalidValue),
            (valid.replacingOccurrences(of: "\"event\":\"stop\"", with: "\"event\":\"<script>\""), .invalidValue),
            (valid.replacingOccurrences(of: "\"event\":\"stop\"", with: "\"event\":\"made_up_event\""), .unknownEvent),
            (valid.replacingOccurrences(of: "2026-03-11T", with: "2026-03-13T"), .outsidePartition),
            (valid.replacingOccurrences(of: "2026-03-11T", with: "1999-03-11T"), .outsidePartition),
        ]
        var expected: [LineRejection: Int] = [:]
        for (_, reason) in cases { expected[reason, default: 0] += 1 }
        let neighbour = FixtureEvent(event: .stop, day: "2026-03-10", machine: 7).line  // a day off: counted
        let body = Self.ndjson(Self.honest().map(\.line) + cases.map(\.0) + [neighbour, "", "  \r"])
        let partial = ObjectPartial.read(try Gzip.compress(body), partition: Self.day, limits: Self.small)
        #expect(partial.rejectedLines == expected)
        #expect(partial.entries.count == 6)

        var aggregator = UsageAggregator(granularity: .day)
        aggregator.merge(partial, partition: Self.day)
        #expect(aggregator.statistics.misplaced == 1)
        let report = aggregator.report(range: try ReportRange(from: "2026-03-01", to: "2026-03-31"), k: 5)
        #expect(report.overall?.counts == .init(events: 6, machines: 6))  // the neighbour counts under its partition
        #expect(report.input.rejectedLines == expected)
        #expect(report.input.malformedLines == cases.count)
        // Every format's summary names the reasons.
        let json = try JSONSerialization.jsonObject(with: Data(ReportFormat.json.render(report).utf8)) as? [String: Any]
        let input = json?["input"] as? [String: Any]
        let rejected = input?["rejected_lines"] as? [String: Int]
        for reason in LineRejection.allCases { #expect(rejected?[reason.rawValue] == expected[reason] ?? 0, "\(reason)") }
        #expect(input?["malformed_lines"] as? Int == cases.count)
        for format in [ReportFormat.md, .html] {
            let text = format.render(report)
            #expect(text.contains("2 not json") && text.contains("1 unknown event") && text.contains("2 outside partition"), "\(format)")
        }
    }

    @Test func aLabelFloodIsFoldedIntoOneOtherRowUnderTheSameRule() throws {
        var aggregator = UsageAggregator(granularity: .month)
        var events: [FixtureEvent] = []
        // 20 machines on two real OSes, then 3,000 machines each claiming an OS of its own.
        for machine in 0..<20 { events.append(FixtureEvent(event: .stop, day: "2026-03-11", machine: machine, os: machine < 12 ? "linux 6.1" : "darwin 14.5")) }
        for machine in 20..<3020 { events.append(FixtureEvent(event: .stop, day: "2026-03-11", machine: machine, os: "fake os \(machine)")) }
        aggregator.merge(ObjectPartial.read(ndjson: Self.ndjson(events.map(\.line)), partition: Self.day), partition: Self.day)
        let range = try ReportRange(from: "2026-03-01", to: "2026-03-31")
        let report = aggregator.report(range: range, k: 5, maxLabels: 10)
        // Shown: the two real OSes and the 8 largest fakes (one machine each: withheld); the other 2,992 folded.
        let osRows = report.rows(by: [.os])
        #expect(osRows.count == 11)
        #expect(osRows.first { $0.os == "(other)" }?.counts == .init(events: 2992, machines: 2992))
        #expect(osRows.first { $0.os == "linux 6.1" }?.counts == .init(events: 12, machines: 12))
        #expect(osRows.first { $0.os == "darwin 14.5" }?.counts == .init(events: 8, machines: 8))
        #expect(osRows.filter(\.isSuppressed).count == 8)
        #expect(report.rows(by: [.os, .period]).count == 11)
        #expect(report.overall?.counts == .init(events: 3012, machines: 3012))
        #expect(ReportFormat.json.render(report).utf8.count < 20_000)
        // A small "(other)" is withheld like any other cell, and its events leave the totals.
        let few = aggregator.report(range: range, k: 5, maxLabels: 3000)
        let other = few.rows(by: [.os]).first { $0.os == "(other)" }
        #expect(other?.isSuppressed == true)
        #expect(few.overall?.counts == .init(events: 20, machines: 20))
    }

    @Test func partialsSurviveTheCacheEncodingAndDamageIsRefused() throws {
        let events = Self.honest()
        var body = Self.ndjson(events.map(\.line) + [events[0].line, "junk"])
        body.append(contentsOf: Data((FixtureEvent(event: .bosh, day: "2026-03-12", machine: 3, os: "darwin 15.1").line + "\n").utf8))
        let partial = ObjectPartial.read(try Gzip.compress(body) + Data("x".utf8), partition: Self.day, limits: Self.small)
        #expect(partial.duplicates == 1 && partial.hasTrailingJunk)
        #expect(partial.entries.count == 6 && partial.labels.count == 5)
        let coded = PartialCoding.encode(partial)
        #expect(PartialCoding.decode(coded) == partial)
        let rejected = ObjectPartial.rejected(.notGzip, storedBytes: 17)
        #expect(PartialCoding.decode(PartialCoding.encode(rejected)) == rejected)
        // Any cut, any extra byte, an index past the labels: not a partial.
        for cut in stride(from: 0, to: coded.count, by: 7) { #expect(PartialCoding.decode(coded.prefix(cut)) == nil) }
        #expect(PartialCoding.decode(coded + Data([0])) == nil)
        var badIndex = coded
        badIndex[badIndex.count - 2] = 0xFF  // the high byte of the last entry's build index
        #expect(PartialCoding.decode(badIndex) == nil)
    }
}
