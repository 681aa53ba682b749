import Foundation
import TelemetryCore
import TelemetryStore
import Testing

@testable import TelemetryReport

/// The report's hot path judges a plain ASCII line on its bytes (`PlainEnvelope`, `LabelTable`);
/// `EnvelopeLineParser` judges the same line on strings. Objects of lines whose values are
/// mutated one field at a time (every rule of the envelope, on its edge) must be read exactly as
/// the string checks read them, line by line: the same rejections by reason, the same events,
/// labels, machine keys and hashes, copies counted once.
@Suite("Envelope lines: the byte checks agree with the string checks")
struct PlainEnvelopeTests {
    static let partition = CivilDate("2026-03-10")!

    static let variants: [String: [String]] = [
        "event_id": [
            "e-1", "", String(repeating: "x", count: 128), String(repeating: "x", count: 129), "has space", "tab\\tby escape",
            "del\u{7f}", "~!#$%&'()*+", "é-not-ascii",
        ],
        "event": ["start_begin", "stop", "app_created", "Start_begin", "9lives", "start-begin", "linux", "", "unknown_event", "stop\u{7f}"],
        "anonymous_id": [
            EventFixtures.anonymousID(1), EventFixtures.anonymousID(2), EventFixtures.anonymousID(1).uppercased(),
            String(EventFixtures.anonymousID(1).dropLast()), EventFixtures.anonymousID(1) + "a",
            "g" + EventFixtures.anonymousID(1).dropFirst(),
        ],
        "os": [
            "linux 6.1", "darwin 15.1", "stop", "", " linux", "linux ", "(other)", String(repeating: "o", count: 64),
            String(repeating: "o", count: 65), "del\u{7f}", "é linux", "a\\u0009b",
        ],
        "build": ["1.0.0", "1.1.0-dev", "linux 6.1", "start_begin", "", "(other)", "x ", String(repeating: "b", count: 65)],
        "timestamp": [
            "2026-03-10T12:34:56.789Z", "2026-03-10T00:00:00Z", "2026-03-09T23:59:60Z", "2026-03-11T01:02:03.123456789Z",
            "2026-03-12T01:02:03Z", "2026-03-08T01:02:03Z", "2026-02-30T01:02:03Z", "2026-13-01T01:02:03Z", "2026-03-10T24:00:00Z",
            "2026-03-10T12:60:00Z", "2026-03-10T12:00:61Z", "2026-03-10T12:00:00.Z", "2026-03-10T12:00:00.1234567890Z",
            "2026-03-10 12:00:00Z", "2026-03-10T12:00:00z", "2026-03-10T12:00:00", "+026-03-10T12:00:00Z", "2024-02-29T12:00:00Z",
        ],
        "schema": ["1", "2", "0", "-1"],
    ]

    static func line(_ values: [String: String]) -> String {
        let quoted = { (name: String) in "\"\(values[name]!)\"" }
        return "{\"schema\":\(values["schema"]!),\"event_id\":\(quoted("event_id")),\"event\":\(quoted("event")),"
            + "\"timestamp\":\(quoted("timestamp")),\"anonymous_id\":\(quoted("anonymous_id")),\"os\":\(quoted("os")),"
            + "\"build\":\(quoted("build")),\"data\":{\"k\":1}}"
    }

    /// What the string checks make of `lines` as one object (the partial a reader must give).
    static func reference(_ lines: [String]) -> ObjectPartial {
        let parser = EnvelopeLineParser()
        var partial = ObjectPartial()
        var seen: Set<UInt64> = []
        var labels: [String: UInt32] = [:]
        func label(_ text: String) -> UInt32 {
            if let index = labels[text] { return index }
            labels[text] = UInt32(partial.labels.count)
            partial.labels.append(text)
            return labels[text]!
        }
        for line in lines {
            partial.lines += 1
            switch parser.check(Data(line.utf8)) {
            case .failure(let error):
                partial.rejectedLines[error.reason, default: 0] += 1
            case .success(let event):
                let distance = event.day.daysSinceEpoch - partition.daysSinceEpoch
                guard abs(distance) <= 1 else {
                    partial.rejectedLines[.outsidePartition, default: 0] += 1
                    continue
                }
                let hash = ObjectPartial.eventHash(event.eventID)
                guard seen.insert(hash).inserted else {
                    partial.duplicates += 1
                    continue
                }
                partial.entries.append(
                    ObjectPartial.Entry(
                        eventHash: hash, machine: ObjectPartial.machineKey(event.anonymousID), event: label(event.event), os: label(event.os),
                        build: label(event.build), misplaced: distance != 0))
            }
        }
        return partial
    }

    @Test("objects of mutated lines are read as the string checks read them", arguments: [1, 2, 3, 4])
    func agreesOnMutatedValues(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let base: [String: String] = [
            "schema": "1", "event": "start_begin", "timestamp": "2026-03-10T12:34:56.789Z", "anonymous_id": EventFixtures.anonymousID(1),
            "os": "linux 6.1", "build": "1.0.0",
        ]
        let names = Self.variants.keys.sorted()
        var readAsEvents = 0
        for object in 0..<40 {
            var lines: [String] = []
            for number in 0..<200 {
                var values = base
                values["event_id"] = "id-\(object)-\(number % 150)"  // some copies
                for _ in 0..<Int(random.next() % 3) {
                    let name = names[Int(random.next() % UInt64(names.count))]
                    let choices = Self.variants[name]!
                    values[name] = choices[Int(random.next() % UInt64(choices.count))]
                }
                lines.append(Self.line(values))
            }
            let expected = Self.reference(lines)
            let read = ObjectPartial.read(ndjson: Data(lines.joined(separator: "\n").utf8), partition: Self.partition)
            #expect(read.entries == expected.entries, "object \(object)")
            #expect(read.labels == expected.labels, "object \(object)")
            #expect(read.rejectedLines == expected.rejectedLines, "object \(object)")
            #expect(read.duplicates == expected.duplicates && read.lines == expected.lines, "object \(object)")
            // Compaction reads the same entries and keeps each one's line as it was.
            let (kept, keptLines) = ObjectPartial.readKeepingLines(
                try Gzip.compress(Data(lines.joined(separator: "\n").utf8)), partition: Self.partition, limits: .standard)
            #expect(kept.entries == read.entries && keptLines.count == read.entries.count, "object \(object)")
            for (index, entry) in kept.entries.enumerated() where index < keptLines.count {
                let line = String(decoding: keptLines[index], as: UTF8.self)
                #expect(lines.contains(line), "object \(object): \(line)")
                #expect(EnvelopeLineParser().parse(Data(line.utf8)).map { ObjectPartial.eventHash($0.eventID) } == entry.eventHash)
            }
            readAsEvents += expected.entries.count
        }
        #expect(readAsEvents > 1_000, "the mutations should leave many lines countable: \(readAsEvents)")
    }

    @Test("an anonymous ID is 64 hex digits of either case, every byte checked; its machine key is its first 16 digits")
    func anonymousIDsByteByByte() {
        let hex = Set("0123456789abcdefABCDEF".utf8)
        let base = Array(EventFixtures.anonymousID(3).utf8)
        for position in [0, 1, 7, 15, 16, 31, 62, 63] {
            for value in 0...255 {
                var id = base
                id[position] = UInt8(value)
                let valid = id.withUnsafeBytes { PlainEnvelope.isAnonymousID($0) }
                #expect(valid == hex.contains(UInt8(value)), "byte \(value) at \(position)")
                if valid {
                    let key = id.withUnsafeBytes { PlainEnvelope.machineKey($0) }
                    #expect(key == ObjectPartial.machineKey(String(decoding: id, as: UTF8.self)), "byte \(value) at \(position)")
                }
            }
        }
        #expect(!(base + [0x61]).withUnsafeBytes { PlainEnvelope.isAnonymousID($0) })
        #expect(!base.dropLast().withUnsafeBytes { PlainEnvelope.isAnonymousID($0) })
    }

    @Test("a cut last member drops its lines, labels and event IDs, and nothing before them")
    func rollbackForgetsWhatTheCutMemberAdded() throws {
        let first = (0..<5).map { FixtureEvent(event: .stop, day: "2026-03-10", machine: $0).line }
        let second = (5..<9).map { FixtureEvent(event: .bosh, day: "2026-03-10", machine: $0, os: "darwin 15.1").line }
        let whole = try Self.gzip(first.joined(separator: "\n") + "\n")
        let cut = try Self.gzip(second.joined(separator: "\n") + "\n" + first[0] + "\n")
        let partial = ObjectPartial.read(whole + cut.prefix(cut.count - 12), partition: Self.partition, limits: .standard)
        #expect(partial.hasTrailingJunk)
        #expect(partial.entries.count == 5)
        #expect(partial.labels == ["stop", "linux 6.1", "1.0.0"])
        #expect(partial == Self.reference(first).withStoredBytes(partial.storedBytes).withTrailingJunk())
        // Compaction's reading: the same partial, and the lines of the whole member only.
        let (kept, lines) = ObjectPartial.readKeepingLines(whole + cut.prefix(cut.count - 12), partition: Self.partition, limits: .standard)
        #expect(kept == partial)
        #expect((0..<lines.count).map { String(decoding: lines[$0], as: UTF8.self) } == first)
    }

    static func gzip(_ text: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}

extension ObjectPartial {
    fileprivate func withStoredBytes(_ bytes: Int) -> ObjectPartial {
        var copy = self
        copy.storedBytes = bytes
        return copy
    }

    fileprivate func withTrailingJunk() -> ObjectPartial {
        var copy = self
        copy.hasTrailingJunk = true
        return copy
    }
}
