import Foundation
import TelemetryCore

/// The fields of one uploaded envelope the report uses. `data` is not read: the report counts
/// events, it never looks at their metadata. The anonymous ID is only used to count distinct
/// machines and never leaves the aggregator.
package struct ReportEvent: Sendable, Equatable {
    package var eventID: String
    package var event: String
    /// The UTC day of `timestamp`.
    package var day: CivilDate
    package var anonymousID: String
    package var os: String
    package var build: String
    /// The envelope's timestamp as sent (erasure requests compare it to their time).
    package var timestamp: String

    package init(eventID: String, event: String, day: CivilDate, anonymousID: String, os: String, build: String, timestamp: String = "") {
        self.timestamp = timestamp
        self.eventID = eventID
        self.event = event
        self.day = day
        self.anonymousID = anonymousID
        self.os = os
        self.build = build
    }
}

/// Why a line of an object was not counted; the raw value is the name published in the input
/// summary (JSON `rejected_lines`).
package enum LineRejection: String, CaseIterable, Sendable, Comparable {
    /// Not a JSON object.
    case notJSON = "not_json"
    /// A required field is absent or null.
    case missingField = "missing_field"
    /// A field holds another JSON type than the envelope's.
    case wrongType = "wrong_type"
    /// A value outside what the product sends (IDs, labels, timestamp format, schema).
    case invalidValue = "invalid_value"
    /// An event name that is not in the catalog.
    case unknownEvent = "unknown_event"
    /// A timestamp more than a day away from its `dt=` partition's day.
    case outsidePartition = "outside_partition"
    /// Longer than `ObjectLimits.maxLineBytes`; never held in memory.
    case tooLong = "too_long"

    package static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Reads one NDJSON line into a `ReportEvent`, or says why it is not an envelope: not JSON, a
/// field missing or of the wrong type, a value outside what the product sends (an event ID that
/// is not 1…128 printable ASCII characters, an anonymous ID that is not 64 hex digits, an `os` or
/// `build` with control characters, longer than 64 characters or the reserved `(other)`, a
/// timestamp that is not `YYYY-MM-DDTHH:MM:SS[.fff]Z`), or an event name not in the catalog.
/// Labels that reach a report are thus short printable text; the formats still escape them.
package struct EnvelopeLineParser {
    private let decoder = JSONDecoder()

    package init() {}

    /// The event, or nil when the line is rejected (for any reason).
    package func parse(_ line: Data) -> ReportEvent? {
        if case .success(let event) = check(line) { return event }
        return nil
    }

    /// The event, or why the line is rejected.
    package func check(_ line: Data) -> Result<ReportEvent, LineRejectionError> {
        line.withUnsafeBytes { check(bytes: $0) }
    }

    /// The same for a line held as bytes: the plain case read by `EnvelopeScanner`, anything
    /// else by `JSONDecoder`.
    package func check(bytes line: UnsafeRawBufferPointer) -> Result<ReportEvent, LineRejectionError> {
        if let fields = EnvelopeScanner.scan(line) { return Self.validate(fields) }
        let fields: EnvelopeScanner.Fields
        do {
            fields = try decoder.decode(EnvelopeScanner.Fields.self, from: Data(line))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound, .valueNotFound: return .failure(.init(.missingField))
            case .typeMismatch: return .failure(.init(.wrongType))
            case .dataCorrupted: return .failure(.init(.notJSON))
            @unknown default: return .failure(.init(.notJSON))
            }
        } catch {
            return .failure(.init(.notJSON))
        }
        return Self.validate(fields)
    }

    /// The decoder's reading of a line (for tests that hold the scanner to it).
    func decoded(_ line: Data) -> EnvelopeScanner.Fields? {
        try? decoder.decode(EnvelopeScanner.Fields.self, from: line)
    }

    static func validate(_ raw: EnvelopeScanner.Fields) -> Result<ReportEvent, LineRejectionError> {
        guard raw.schema >= 1,
            isEventID(raw.eventID),
            isEventName(raw.event),
            isAnonymousID(raw.anonymousID),
            isLabel(raw.os), isLabel(raw.build),
            let day = day(ofTimestamp: raw.timestamp)
        else { return .failure(.init(.invalidValue)) }
        guard EventName(rawValue: raw.event) != nil else { return .failure(.init(.unknownEvent)) }
        return .success(
            ReportEvent(
                eventID: raw.eventID, event: raw.event, day: day, anonymousID: raw.anonymousID, os: raw.os, build: raw.build,
                timestamp: raw.timestamp))
    }
}

/// A `LineRejection` as an `Error`, for `Result`.
package struct LineRejectionError: Error, Equatable {
    package var reason: LineRejection
    package init(_ reason: LineRejection) { self.reason = reason }
}

extension EnvelopeLineParser {
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
        id.utf8.count == 64 && id.utf8.allSatisfy { Hex.value(ofDigit: $0) != nil }
    }

    /// Printable, no control characters, 1…64 characters, not the report's own `(other)`.
    static func isLabel(_ label: String) -> Bool {
        // Printable ASCII (nearly every label) needs no Unicode tables: no blank at either end.
        let utf8 = label.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            return !utf8.isEmpty && utf8.count <= 64 && utf8.first != 0x20 && utf8.last != 0x20 && label != LabelFolding.otherLabel
        }
        return !label.isEmpty && label != LabelFolding.otherLabel && label.count <= 64
            && label.unicodeScalars.allSatisfy { !$0.properties.isWhitespace || $0 == " " }
            && label.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7f...0x9f).contains($0.value) }
            && label.trimmingCharacters(in: .whitespaces) == label
    }

    /// `2026-11-23T18:50:20.123Z` → 2026-11-23; nil unless it is `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction of 1…9 digits and `Z`, with a real day and time.
    static func day(ofTimestamp timestamp: String) -> CivilDate? {
        var text = timestamp
        return text.withUTF8 { PlainEnvelope.day(ofTimestamp: UnsafeRawBufferPointer($0)) }
    }

}
