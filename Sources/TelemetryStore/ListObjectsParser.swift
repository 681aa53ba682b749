#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore

/// One object of a listing.
package struct ListedObject: Sendable, Equatable {
    package var key: String
    package var size: Int64
    /// The ETag without its quotes (hex MD5 for single-part uploads).
    package var etag: String
    package var lastModified: String?

    package init(key: String, size: Int64, etag: String, lastModified: String? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// One page of a `ListObjectsV2` answer.
package struct ListPage: Sendable, Equatable {
    package var objects: [ListedObject]
    package var isTruncated: Bool
    /// Pass back as `continuationToken` to get the next page (set when `isTruncated`).
    package var nextContinuationToken: String?
    /// The response `Date` header.
    package var serverDate: Date?

    /// The keys, in listing order.
    package var keys: [String] { objects.map(\.key) }

    package init(objects: [ListedObject], isTruncated: Bool, nextContinuationToken: String?, serverDate: Date? = nil) {
        self.objects = objects
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
        self.serverDate = serverDate
    }
}

/// Reads a `ListBucketResult` document (ListObjectsV2).
package enum ListObjectsParser {
    /// The page, or nil when the body is not a `ListBucketResult`.
    /// Keys are URL-decoded when the answer says `<EncodingType>url</EncodingType>` (with `+`
    /// as a space, as AWS and rclone encode it).
    package static func parse(_ data: Data) -> ListPage? {
        guard let root = S3XMLElement.parse(data), root.name == "ListBucketResult" else { return nil }
        let urlEncoded = root.text(of: "EncodingType")?.lowercased() == "url"
        let objects = root.children("Contents").map { entry -> ListedObject in
            let rawKey = entry.text(of: "Key") ?? ""
            let key = urlEncoded ? (formDecoded(rawKey) ?? rawKey) : rawKey
            return ListedObject(
                key: key, size: Int64(entry.text(of: "Size") ?? "") ?? 0,
                etag: unquote(entry.text(of: "ETag") ?? ""), lastModified: entry.text(of: "LastModified"))
        }
        let token = root.text(of: "NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        return ListPage(
            objects: objects, isTruncated: root.text(of: "IsTruncated")?.lowercased() == "true",
            nextContinuationToken: token)
    }

    /// `a+%26+b` → `a & b`; nil when an escape is malformed or the bytes are not UTF-8.
    static func formDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value(ofDigit:)), let low = iterator.next().flatMap(Hex.value(ofDigit:)) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `"abc"` → `abc` (also `W/"abc"`).
    package static func unquote(_ etag: String) -> String {
        // Spaces and tabs trimmed on the bytes (Foundation's trimming costs more than the rest of a listing entry).
        let bytes = Array(etag.utf8)
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        var value = Substring(String(decoding: bytes[start..<end], as: UTF8.self))
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
        if value.hasPrefix("&quot;") && value.hasSuffix("&quot;") { value = value.dropFirst(6).dropLast(6) }
        return String(value)
    }
}
