import Foundation

/// The fields of one uploaded envelope the report uses. `data` is not read: the report counts
/// events, it never looks at their metadata. The anonymous ID is only used to count distinct
/// machines and never leaves the aggregator.
public struct ReportEvent: Sendable, Equatable {
    public var eventID: String
    public var event: String
    /// The UTC day of `timestamp`.
    public var day: CivilDate
    public var anonymousID: String
    public var os: String
    public var build: String

    public init(eventID: String, event: String, day: CivilDate, anonymousID: String, os: String, build: String) {
        self.eventID = eventID
        self.event = event
        self.day = day
        self.anonymousID = anonymousID
        self.os = os
        self.build = build
    }
}

/// Reads one NDJSON line into a `ReportEvent`, or nil when it is malformed: not JSON, a field
/// missing or of the wrong type, or a value outside what the product sends (an event name that
/// is not a lower-case identifier, an anonymous ID that is not 64 hex digits, an `os` or `build`
/// with control characters or longer than 64 characters). Labels that reach a report are thus
/// short printable text; the formats still escape them.
public struct EnvelopeLineParser {
    private let decoder = JSONDecoder()

    public init() {}

    private struct Line: Decodable {
        var schema: Int
        var event_id: String
        var event: String
        var timestamp: String
        var anonymous_id: String
        var os: String
        var build: String
    }

    public func parse(_ line: Data) -> ReportEvent? {
        guard let raw = try? decoder.decode(Line.self, from: line) else { return nil }
        guard raw.schema >= 1,
              Self.isEventID(raw.event_id),
              Self.isEventName(raw.event),
              Self.isAnonymousID(raw.anonymous_id),
              Self.isLabel(raw.os), Self.isLabel(raw.build),
              let day = Self.day(ofTimestamp: raw.timestamp)
        else { return nil }
        return ReportEvent(
            eventID: raw.event_id, event: raw.event, day: day, anonymousID: raw.anonymous_id, os: raw.os,
            build: raw.build)
    }

    static func isEventID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }

    /// `start_begin`: lower-case letters, digits and `_`, starting with a letter, ≤ 64.
    static func isEventName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 64
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    static func isAnonymousID(_ id: String) -> Bool {
        id.utf8.count == 64 && id.utf8.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0)
        }
    }

    /// Printable, no control characters, 1…64 characters.
    static func isLabel(_ label: String) -> Bool {
        !label.isEmpty && label.count <= 64
            && label.unicodeScalars.allSatisfy { !$0.properties.isWhitespace || $0 == " " }
            && label.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7f...0x9f).contains($0.value) }
            && label.trimmingCharacters(in: .whitespaces) == label
    }

    /// `2026-11-23T18:50:20.123Z` → 2026-11-23; nil unless it looks like the envelope's format.
    static func day(ofTimestamp timestamp: String) -> CivilDate? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count >= 20, bytes.count <= 30, bytes[10] == UInt8(ascii: "T"), bytes.last == UInt8(ascii: "Z")
        else { return nil }
        return CivilDate(timestamp.prefix(10))
    }
}
