import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryStore

/// A known event for test data, with its machine given as a small number.
struct FixtureEvent: Hashable {
    var id: String = UUID().uuidString.lowercased()
    var event: EventName
    var day: String
    var machine: Int
    var os = "linux 6.1"
    var build = "1.0.0"

    var anonymousID: String { EventFixtures.anonymousID(machine) }

    /// The NDJSON line, exactly as the flusher uploads it.
    var line: String {
        Envelope(
            eventID: id, event: event, timestamp: "\(day)T12:34:56.789Z", anonymousID: anonymousID, os: os,
            build: build, data: ["k": .int(1)]
        ).jsonLine
    }

    var parsed: ReportEvent {
        ReportEvent(eventID: id, event: event.rawValue, day: CivilDate(day)!, anonymousID: anonymousID, os: os, build: build)
    }
}

enum EventFixtures {
    /// A 64-hex anonymous ID for machine `n` (looks random, is deterministic).
    static func anonymousID(_ n: Int) -> String {
        var state = UInt64(n &+ 1) &* 0x9E37_79B9_7F4A_7C15
        var hex = ""
        for _ in 0..<4 {
            state ^= state >> 31
            state = state &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB
            let text = String(state, radix: 16)
            hex += String(repeating: "0", count: 16 - text.count) + text
        }
        return hex
    }

    /// A gzip NDJSON object of these lines.
    static func object(_ lines: [String]) throws -> Data {
        try Gzip.compress(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The batch key of `day` under `prefix`.
    static func key(prefix: String, day: String, name: String = UUID().uuidString.lowercased()) -> String {
        "\(prefix)events/v1/dt=\(day)/\(name).ndjson.gz"
    }

    /// Every anonymous ID of these machines and a 16-character piece of each: none may appear in a report.
    static func secrets(machines: some Sequence<Int>) -> [String] {
        machines.flatMap { [anonymousID($0), String(anonymousID($0).prefix(16)), String(anonymousID($0).suffix(16))] }
    }
}

/// Checks shared by the format tests.
enum ReportChecks {
    /// The HTML loads nothing from anywhere: no scripts, links, remote URLs, imports or fonts.
    static func selfContainedProblems(_ html: String) -> [String] {
        let lower = html.lowercased()
        var problems: [String] = []
        for needle in ["<script", "<link", "<iframe", "<img", "<object", "<embed", "@import", "@font-face", "url(http", "http://", "https://", "src=", "href="] where lower.contains(needle) {
            problems.append(needle)
        }
        return problems
    }

    /// The rows of a JSON report.
    static func jsonRows(_ text: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?["rows"] as? [[String: Any]] ?? []
    }

    /// The row of a JSON report with exactly these labels (others null).
    static func row(_ rows: [[String: Any]], event: String? = nil, os: String? = nil, build: String? = nil, period: String? = nil) -> [String: Any]? {
        rows.first { row in
            func matches(_ field: String, _ value: String?) -> Bool {
                if let value { return row[field] as? String == value }
                return row[field] is NSNull
            }
            return matches("event", event) && matches("os", os) && matches("build", build) && matches("period", period)
        }
    }
}
