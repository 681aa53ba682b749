import TelemetryCore

/// The envelope's value checks on the bytes of a plain ASCII line (`EnvelopeScanner.RawFields`),
/// the same checks `EnvelopeLineParser` makes on strings (the string checks call these for the
/// timestamp), so the report's hot path makes no string per line.
enum PlainEnvelope {
    /// 1…128 printable ASCII characters, no space.
    static func isEventID(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        for byte in bytes where byte <= 0x20 || byte >= 0x7f { return false }
        return true
    }

    /// `start_begin`: lower-case letters, digits and `_`, starting with a letter, ≤ 64.
    static func isEventName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"), bytes.count <= 64 else { return false }
        for byte in bytes {
            let lower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard lower || digit || byte == UInt8(ascii: "_") else { return false }
        }
        return true
    }

    /// An event name of the catalog.
    static func isCatalogEvent(_ bytes: UnsafeRawBufferPointer) -> Bool {
        EventName(rawValue: String(decoding: bytes, as: UTF8.self)) != nil
    }

    /// 64 hex digits.
    static func isAnonymousID(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count == 64 else { return false }
        // Without a branch per byte (digits and letters come in random order): every ID is checked.
        var valid: UInt8 = 1
        for index in 0..<64 {
            let byte = bytes.load(fromByteOffset: index, as: UInt8.self)
            let digit: UInt8 = byte &- UInt8(ascii: "0") < 10 ? 1 : 0
            let letter: UInt8 = (byte | 0x20) &- UInt8(ascii: "a") < 6 ? 1 : 0
            valid &= digit | letter
        }
        return valid == 1
    }

    /// An ASCII label: printable, 1…64 characters, no space at either end, not `(other)`.
    static func isLabel(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 64, first != 0x20, last != 0x20 else { return false }
        for byte in bytes where byte < 0x20 || byte >= 0x7f { return false }
        return !bytes.elementsEqual(LabelFolding.otherLabel.utf8)
    }

    /// The machine key of a checked anonymous ID: its first 16 hex digits.
    static func machineKey(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<16 {
            // A checked hex digit's value: its low four bits, plus 9 for a letter (bit 6 set).
            let byte = bytes.load(fromByteOffset: index, as: UInt8.self)
            value = value << 4 | UInt64((byte & 0x0F) &+ 9 &* (byte >> 6))
        }
        return value
    }

    /// `2026-11-23T18:50:20.123Z` → 2026-11-23; nil unless it is `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction of 1…9 digits and `Z`, with a real day and time.
    static func day(ofTimestamp bytes: UnsafeRawBufferPointer) -> CivilDate? {
        guard hasTimestampShape(bytes) else { return nil }
        return date(bytes)
    }

    /// Everything `day(ofTimestamp:)` checks but the date itself (the first ten bytes).
    static func hasTimestampShape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 20, bytes.count <= 30, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[bytes.count - 1] == UInt8(ascii: "Z"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":")
        else { return false }
        guard let hour = number(bytes, 11..<13), hour < 24, let minute = number(bytes, 14..<16), minute < 60,
            let second = number(bytes, 17..<19), second < 61
        else { return false }
        if bytes.count > 20 {
            return bytes[19] == UInt8(ascii: ".") && bytes.count >= 22 && number(bytes, 20..<(bytes.count - 1)) != nil
        }
        return bytes[19] == UInt8(ascii: "Z")
    }

    /// The real day the first ten bytes (`YYYY-MM-DD`, dashes checked) name.
    static func date(_ bytes: UnsafeRawBufferPointer) -> CivilDate? {
        guard let year = number(bytes, 0..<4), let month = number(bytes, 5..<7), let day = number(bytes, 8..<10) else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    private static func number(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The day of the last timestamp's date, so that the many events of one day convert their
    /// date once: `day(ofTimestamp:)` as days since 1970-01-01.
    struct DayCache {
        private var lastDate: (UInt64, UInt16) = (0, 0)
        private var lastDay: Int?
        private var filled = false

        mutating func day(ofTimestamp bytes: UnsafeRawBufferPointer) -> Int? {
            guard PlainEnvelope.hasTimestampShape(bytes) else { return nil }
            let date = (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
            if !filled || date != lastDate {
                lastDate = date
                lastDay = PlainEnvelope.date(bytes)?.daysSinceEpoch
                filled = true
            }
            return lastDay
        }
    }
}
