import Foundation

/// A successful (2xx) S3 answer: status, headers, the server's `Date`, the ETag and the body.
package struct S3Response: Sendable {
    package var status: Int
    /// Response headers as received (names in the server's case).
    package var headers: [(String, String)]
    /// The response `Date` header, parsed.
    package var serverDate: Date?
    /// The `ETag` header without quotes (PUT: hex MD5 of the body).
    package var etag: String?
    package var body: Data

    package init(status: Int, headers: [(String, String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
        self.serverDate = Self.header("date", in: headers).flatMap(HTTPDate.parse)
        self.etag = Self.header("etag", in: headers).map(ListObjectsParser.unquote)
    }

    /// The first header with that name, case-insensitively.
    package func header(_ name: String) -> String? { Self.header(name, in: headers) }

    static func header(_ name: String, in headers: [(String, String)]) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}
