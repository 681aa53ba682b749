import Foundation

/// A fast reader for the plain case of an envelope line, which is nearly every line: one JSON
/// object whose keys are ASCII without escapes, whose seven envelope fields appear once each,
/// the strings without backslashes and `schema` a plain integer, anything else (`data`) valid
/// JSON of bounded depth. For such a line it gives exactly the fields `JSONDecoder` would; for
/// any other line (escapes, duplicates, floats, a missing field, bad JSON…) it gives nil and the
/// caller asks `JSONDecoder`, which then decides the line and why it is rejected. It never
/// rejects anything itself, so the report's rejection reasons are `JSONDecoder`'s.
enum EnvelopeScanner {
    /// The envelope fields the report reads (`data` is never read), each string as `Text`: the
    /// one record of them, as strings (`Fields`) or as byte ranges into the line (`RawFields`).
    struct EnvelopeFields<Text> {
        var schema: Int
        var eventID: Text
        var event: Text
        var timestamp: Text
        var anonymousID: Text
        var os: Text
        var build: Text

        /// The same fields with each string transformed; nil when one of them gives nil.
        func map<Other>(_ transform: (Text) -> Other?) -> EnvelopeFields<Other>? {
            guard let eventID = transform(eventID), let event = transform(event), let timestamp = transform(timestamp),
                let anonymousID = transform(anonymousID), let os = transform(os), let build = transform(build)
            else { return nil }
            return EnvelopeFields<Other>(
                schema: schema, eventID: eventID, event: event, timestamp: timestamp, anonymousID: anonymousID, os: os, build: build)
        }
    }

    /// The fields as strings: what `scan` gives and `JSONDecoder` decodes a line into.
    typealias Fields = EnvelopeFields<String>

    /// The fields of a plain line as byte ranges into the line (nothing copied): what the
    /// report's hot path reads.
    typealias RawFields = EnvelopeFields<UnsafeRawBufferPointer>

    /// Nesting allowed in values the envelope does not read (`data`).
    static let maxDepth = 16

    /// The plain case's fields as strings (the walk of `scanRaw`, then each string checked to be
    /// UTF-8); nil for any other line.
    static func scan(_ line: UnsafeRawBufferPointer) -> Fields? {
        scanRaw(line)?.fields.map(Reader.text)
    }

    /// The plain case's fields without making strings, and whether the six strings are all ASCII
    /// (when one is not, it is not yet known to be UTF-8: `scan` checks that); nil for any other
    /// line (as `scan`).
    static func scanRaw(_ line: UnsafeRawBufferPointer) -> (fields: RawFields, ascii: Bool)? {
        var reader = Reader(bytes: line)
        return reader.envelope()
    }

    private enum Key: Int, CaseIterable {
        case schema, eventID, event, timestamp, anonymousID, os, build

        /// The key of these bytes: the candidate by length (and first byte), then compared with
        /// its name (literals: no lazily initialised table on the hot path).
        init?(_ name: UnsafeRawBufferPointer) {
            let candidate: Key
            let text: StaticString
            switch name.count {
            case 2: (candidate, text) = (.os, "os")
            case 5: (candidate, text) = name[0] == UInt8(ascii: "e") ? (.event, "event") : (.build, "build")
            case 6: (candidate, text) = (.schema, "schema")
            case 8: (candidate, text) = (.eventID, "event_id")
            case 9: (candidate, text) = (.timestamp, "timestamp")
            case 12: (candidate, text) = (.anonymousID, "anonymous_id")
            default: return nil
            }
            guard memcmp(text.utf8Start, name.baseAddress!, name.count) == 0 else { return nil }
            self = candidate
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        var current: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func skipBlanks() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { at += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard current == byte else { return false }
            at += 1
            return true
        }

        mutating func envelope() -> (fields: RawFields, ascii: Bool)? {
            skipBlanks()
            guard take(UInt8(ascii: "{")) else { return nil }
            let none = UnsafeRawBufferPointer(start: nil, count: 0)
            var fields = RawFields(schema: 0, eventID: none, event: none, timestamp: none, anonymousID: none, os: none, build: none)
            var ascii = true
            var seen = 0
            repeat {
                skipBlanks()
                guard let name = plainString(asciiOnly: true) else { return nil }
                skipBlanks()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipBlanks()
                if let key = Key(name) {
                    guard seen & (1 << key.rawValue) == 0 else { return nil }
                    seen |= 1 << key.rawValue
                    if key == .schema {
                        guard let value = plainInteger() else { return nil }
                        fields.schema = value
                    } else {
                        guard let raw = plainString(asciiOnly: false) else { return nil }
                        if ascii && !Self.isASCII(raw) { ascii = false }
                        switch key {
                        case .eventID: fields.eventID = raw
                        case .event: fields.event = raw
                        case .timestamp: fields.timestamp = raw
                        case .anonymousID: fields.anonymousID = raw
                        case .os: fields.os = raw
                        case .build: fields.build = raw
                        case .schema: break
                        }
                    }
                } else {
                    guard skipValue(depth: 0) else { return nil }
                }
                skipBlanks()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
            skipBlanks()
            guard at == bytes.count, seen == (1 << Key.allCases.count) - 1 else { return nil }
            return (fields, ascii)
        }

        /// Whether every byte is below 0x80 (eight at a time).
        static func isASCII(_ raw: UnsafeRawBufferPointer) -> Bool {
            var index = 0
            let count = raw.count
            while index + 8 <= count {
                if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                index += 8
            }
            while index < count {
                if raw[index] >= 0x80 { return false }
                index += 1
            }
            return true
        }

        /// The string of these bytes, nil when they are not UTF-8 (ASCII, nearly always, needs
        /// no validation).
        static func text(_ raw: UnsafeRawBufferPointer) -> String? {
            if isASCII(raw) { return String(decoding: raw, as: UTF8.self) }
            return String(validating: raw, as: UTF8.self)
        }

        /// The bytes between the quotes of a string with no backslash and no control byte.
        mutating func plainString(asciiOnly: Bool) -> UnsafeRawBufferPointer? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while let byte = current {
                if byte == UInt8(ascii: "\"") {
                    at += 1
                    return UnsafeRawBufferPointer(rebasing: bytes[start..<(at - 1)])
                }
                guard byte >= 0x20, byte != UInt8(ascii: "\\"), !asciiOnly || byte < 0x80 else { return nil }
                at += 1
            }
            return nil
        }

        /// `-?(0|[1-9][0-9]*)` of at most 18 digits, not followed by a fraction or exponent.
        mutating func plainInteger() -> Int? {
            let negative = take(UInt8(ascii: "-"))
            let start = at
            var value = 0
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                at += 1
                guard at - start <= 18 else { return nil }
            }
            let digits = at - start
            guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { return nil }
            return negative ? -value : value
        }

        /// Skips one JSON value, checking its grammar; false when it is not plainly valid.
        mutating func skipValue(depth: Int) -> Bool {
            guard depth < EnvelopeScanner.maxDepth, let byte = current else { return false }
            switch byte {
            case UInt8(ascii: "\""):
                guard let raw = plainString(asciiOnly: false) else { return false }
                return Self.isASCII(raw) || Self.text(raw) != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                // An object's members or an array's elements: a member is a name, `:` and a value.
                let object = byte == UInt8(ascii: "{")
                let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
                at += 1
                skipBlanks()
                if take(close) { return true }
                repeat {
                    skipBlanks()
                    if object {
                        guard plainString(asciiOnly: true) != nil else { return false }
                        skipBlanks()
                        guard take(UInt8(ascii: ":")) else { return false }
                        skipBlanks()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    skipBlanks()
                } while take(UInt8(ascii: ","))
                return take(close)
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return skipNumber()
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - at >= count else { return false }
            for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset] { return false }
            at += count
            return true
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        mutating func skipNumber() -> Bool {
            func digits() -> Int {
                let start = at
                while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { at += 1 }
                return at - start
            }
            _ = take(UInt8(ascii: "-"))
            let start = at
            let whole = digits()
            guard whole > 0, whole == 1 || bytes[start] != UInt8(ascii: "0") else { return false }
            if take(UInt8(ascii: ".")) { guard digits() > 0 else { return false } }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard digits() > 0 else { return false }
            }
            return true
        }
    }
}

extension EnvelopeScanner.EnvelopeFields: Equatable where Text: Equatable {}

extension EnvelopeScanner.EnvelopeFields: Decodable where Text: Decodable {
    enum CodingKeys: String, CodingKey {
        case schema
        case eventID = "event_id"
        case event, timestamp
        case anonymousID = "anonymous_id"
        case os, build
    }
}
