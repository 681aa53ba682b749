import Foundation

/// A successful (2xx) S3 answer: status, headers, the server's `Date`, the ETag and the body.
package struct S3Response: Sendable {
    package var status: Int
    /// Response headers as received (names in the server's case).
    package var headers: [(String, String)]
    package var body: Data

    package init(status: Int, headers: [(String, String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The response `Date` header, parsed (when asked: a report reads thousands of answers).
    package var serverDate: Date? { Self.header("date", in: headers).flatMap(HTTPDate.parse) }

    /// The `ETag` header without quotes (PUT: hex MD5 of the body).
    package var etag: String? { Self.header("etag", in: headers).map(ListObjectsParser.unquote) }

    /// The first header with that name, case-insensitively.
    package func header(_ name: String) -> String? { Self.header(name, in: headers) }

    /// The first header named `name` (ASCII, compared without regard to case, as HTTP does).
    static func header(_ name: String, in headers: [(String, String)]) -> String? {
        headers.first { sameASCIILetters($0.0, name) }?.1
    }

    private static func sameASCIILetters(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in x == y || (x | 0x20 == y | 0x20 && (x | 0x20) &- 0x61 < 26) }
    }
}
