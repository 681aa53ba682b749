import Foundation

/// One machine's request to erase what it uploaded: its anonymous ID and the time it was made.
/// Every event of that ID whose timestamp (read to the millisecond) is at or before that time is
/// erased; a later request of the same ID wins. Uploaded as one write-once object at
/// `PartitionLayout.erasureKey`, holding exactly `{"schema":1,"anonymous_id":"…","requested_at":"…"}`
/// and nothing else: no new identifier.
package struct ErasureRequest: Sendable, Hashable {
    /// The version carried in `schema`.
    package static let schemaVersion = 1
    /// The most bytes a request object may hold; a larger one is rejected unread.
    package static let maxObjectBytes = 1024

    /// 64 lower-case hex digits, as the envelope's `anonymous_id`.
    package let anonymousID: String
    /// Epoch milliseconds.
    package let requestedMs: Int64

    /// Nil unless `anonymousID` is 64 lower-case hex digits and the time is in the years 1970…9999.
    package init?(anonymousID: String, requestedMs: Int64) {
        guard Self.isAnonymousID(anonymousID), (0...253_402_300_799_999).contains(requestedMs) else { return nil }
        self.anonymousID = anonymousID
        self.requestedMs = requestedMs
    }

    /// `2026-12-06T14:50:02.123Z`.
    package var requestedAt: String { Timestamp.iso8601(milliseconds: requestedMs) }

    /// The object's bytes, fields in a fixed order: the same request always gives the same bytes.
    package var body: Data {
        Data("{\"schema\":\(Self.schemaVersion),\"anonymous_id\":\"\(anonymousID)\",\"requested_at\":\"\(requestedAt)\"}\n".utf8)
    }

    /// Where it is uploaded under `layout`.
    package func key(in layout: PartitionLayout) -> String {
        layout.erasureKey(anonymousID: anonymousID, stamp: Self.stamp(requestedMs))
    }

    /// `20261206T145002123Z`: the request's time in its key.
    static func stamp(_ ms: Int64) -> String {
        requestedAtStamp(Timestamp.iso8601(milliseconds: ms))
    }

    static func requestedAtStamp(_ iso: String) -> String {
        iso.filter { $0 != "-" && $0 != ":" && $0 != "." }
    }

    /// Reads a request object: exactly the three fields (schema 1, an anonymous ID, a time with
    /// milliseconds), at most `maxObjectBytes`; when `key` is given it must be the request's own
    /// key. Nil for anything else.
    package static func parse(_ bytes: [UInt8], key: String? = nil, layout: PartitionLayout? = nil) -> ErasureRequest? {
        // (Field names from the object, typed values from the decoder: `true` is no schema.)
        struct Fields: Decodable {
            var schema: Int
            var anonymous_id: String
            var requested_at: String
        }
        guard bytes.count <= maxObjectBytes,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            Set(object.keys) == ["schema", "anonymous_id", "requested_at"],
            let fields = try? JSONDecoder().decode(Fields.self, from: Data(bytes)),
            fields.schema == schemaVersion, fields.requested_at.utf8.count == 24,
            let ms = milliseconds(ofTimestamp: fields.requested_at),
            let request = ErasureRequest(anonymousID: fields.anonymous_id, requestedMs: ms), request.requestedAt == fields.requested_at
        else { return nil }
        if let key, let layout, key != request.key(in: layout) { return nil }
        return request
    }

    static func isAnonymousID(_ id: String) -> Bool {
        id.utf8.count == 64 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The epoch milliseconds of an envelope timestamp, `YYYY-MM-DDTHH:MM:SS[.f…]Z`, its
    /// fraction read to the millisecond (cut, not rounded; none is .000); nil if it is not one.
    /// The SQL of docs/REPORT.md reads it the same way.
    package static func milliseconds(ofTimestamp timestamp: String) -> Int64? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count >= 20, bytes.count <= 30, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54,
            bytes[13] == 0x3A, bytes[16] == 0x3A, bytes.last == 0x5A
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard (0x30...0x39).contains(bytes[index]) else { return nil }
                value = value * 10 + Int64(bytes[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), hour < 24, let minute = number(14..<16), minute < 60,
            let second = number(17..<19), second < 61,
            let date = CivilDate(year: Int(year), month: Int(month), day: Int(day))
        else { return nil }
        var millis: Int64 = 0
        if bytes.count > 20 {
            guard bytes[19] == 0x2E, bytes.count >= 22, number(20..<(bytes.count - 1)) != nil else { return nil }
            let digits = Array(bytes[20..<(bytes.count - 1)].prefix(3))
            for position in 0..<3 { millis = millis * 10 + (position < digits.count ? Int64(digits[position] - 0x30) : 0) }
        }
        return Int64(date.daysSinceEpoch) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis
    }
}
