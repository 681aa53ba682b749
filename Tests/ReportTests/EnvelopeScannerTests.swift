import Foundation
import TelemetryCore
import Testing

@testable import TelemetryReport

/// The report's fast envelope reader against `JSONDecoder`: it reads every line the product
/// writes, and for any line at all (tens of thousands of mutations of real lines) it either
/// gives exactly what the decoder gives or leaves the line to the decoder. So the report counts
/// and rejects exactly as it would with the decoder alone.
@Suite("Envelope lines: the fast reader agrees with JSONDecoder")
struct EnvelopeScannerTests {
    let parser = EnvelopeLineParser()

    static func scan(_ line: String) -> EnvelopeScanner.Fields? {
        Array(line.utf8).withUnsafeBytes { EnvelopeScanner.scan($0) }
    }

    static func realLines() -> [String] {
        let events: [EventName] = [.startBegin, .appCreated, .error, .telemetryOff]
        return (0..<40).map { n in
            var event = FixtureEvent(event: events[n % events.count], day: "2026-03-0\(n % 9 + 1)", machine: n)
            if n % 5 == 0 { event.os = "darwin 15.1 (arm64) é" }
            return Envelope(
                eventID: event.id, event: event.event, timestamp: "\(event.day)T01:02:03.004Z", anonymousID: event.anonymousID,
                os: event.os, build: event.build,
                data: n % 2 == 0 ? [:] : ["memory_mb": .int(8192), "ok": .bool(n % 3 == 0), "name_hash": .string("ab12")]
            ).jsonLine
        }
    }

    @Test("every line the product writes is read by the fast reader, as the decoder reads it")
    func readsWhatTheProductWrites() throws {
        for line in Self.realLines() {
            let fields = try #require(Self.scan(line), "left to the decoder: \(line)")
            #expect(fields == parser.decoded(Data(line.utf8)), "\(line)")
        }
    }

    @Test("on any line, it gives what the decoder gives or nothing (mutations of real lines)")
    func agreesWithTheDecoderOnMutations() {
        var random = SeededRandom(seed: 20_261_201)
        let pieces = [
            "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\t", "\n", "0", "-", ".", "e", "E", "+", "1e999", "00", "1.0",
            "true", "null", "\u{0}", "\u{1f}", "é", "\u{7f}", "\\u0041", "\"schema\":1,", "\"event\":\"stop\",", "\"os\":null,",
        ]
        var taken = 0, agreed = 0
        let lines = Self.realLines()
        for round in 0..<20_000 {
            var bytes = Array(lines[round % lines.count].utf8)
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let at = Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 3 {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                default: bytes.insert(contentsOf: Array(pieces[Int(random.next() % UInt64(pieces.count))].utf8), at: at)
                }
            }
            guard let fields = bytes.withUnsafeBytes({ EnvelopeScanner.scan($0) }) else { continue }
            taken += 1
            let decoded = parser.decoded(Data(bytes))
            if fields == decoded {
                agreed += 1
            } else {
                Issue.record("fast reader \(fields), decoder \(String(describing: decoded)): \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(taken == agreed)
        #expect(taken > 1_000, "the mutations should leave many lines still readable: \(taken)")
    }

    @Test("what it leaves to the decoder, the decoder decides: escapes, duplicates, floats, bad JSON")
    func leavesTheUnusualToTheDecoder() throws {
        let line = try #require(Self.realLines().first)
        let cases: [(String, String)] = [
            (line.replacingOccurrences(of: "\"event_id\"", with: "\"event\\u005fid\""), "an escaped key"),
            (line.replacingOccurrences(of: "{\"schema\":1", with: "{\"schema\":1,\"schema\":1"), "a duplicate key"),
            (line.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":1.0"), "a float schema"),
            (line.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":\"1\""), "a string schema"),
            (String(line.dropLast()), "a cut line"),
            (line + "x", "trailing bytes"),
            (line.replacingOccurrences(of: "\"os\":", with: "\"os\":null,\"x\":"), "a null field"),
        ]
        for (text, what) in cases {
            #expect(Self.scan(text) == nil, "\(what): \(text)")
            // And the line's fate is the decoder's: the same result through the fast entry point.
            let viaBytes = Array(text.utf8).withUnsafeBytes { parser.check(bytes: $0) }
            #expect(viaBytes == parser.check(Data(text.utf8)), "\(what)")
        }
        // An escaped key is still an envelope: the decoder reads it, and it is counted.
        let escaped = Array(cases[0].0.utf8).withUnsafeBytes { parser.check(bytes: $0) }
        #expect((try? escaped.get())?.eventID != nil, "\(escaped)")
    }

    @Test("a timestamp counts only as YYYY-MM-DDTHH:MM:SS[.f…]Z of a real day and time")
    func timestampForms() {
        let good = ["2026-03-01T00:00:00Z", "2026-03-01T23:59:60.5Z", "2024-02-29T12:00:00.123456789Z"]
        for text in good { #expect(EnvelopeLineParser.day(ofTimestamp: text) == CivilDate(String(text.prefix(10))), "\(text)") }
        let bad = [
            "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T00:60:00Z", "2026-03-01 00:00:00Z",
            "2026-03-01T00:00:00", "2026/03/01T00:00:00Z", "2026-03-01T00:00:00.Z", "2026-03-01T00:00:00.1234567890Z",
            "+026-03-01T00:00:00Z", "2026-03-01T00:00:00+00:00", "",
        ]
        for text in bad { #expect(EnvelopeLineParser.day(ofTimestamp: text) == nil, "\(text)") }
    }
}
