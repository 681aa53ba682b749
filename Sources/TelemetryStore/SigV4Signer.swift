import Crypto
import Foundation
import TelemetryCore

/// AWS credentials used to sign requests.
package struct AWSCredentials: Sendable, Equatable {
    package var accessKeyID: String
    package var secretAccessKey: String
    /// Set for temporary (STS) credentials; sent and signed as `x-amz-security-token`.
    package var sessionToken: String?
    /// When temporary credentials stop working (nil: keys that do not expire).
    package var expiration: Date?

    package init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// A request as it will go on the wire, in the parts SigV4 signs.
package struct SignableRequest: Sendable {
    /// `"PUT"`, `"GET"`, …
    package var method: String
    /// The `Host` header the HTTP client will send: `"127.0.0.1:8333"` (with the port when not the default).
    package var host: String
    /// The path exactly as sent, already percent-encoded once (see `S3PathEncoding`). Signed
    /// verbatim: S3 paths are not normalised (no `//` or `.` folding) and not encoded again.
    package var path: String
    /// Query parameters, not encoded: the signer encodes (RFC 3986 unreserved) and sorts them.
    package var query: [(String, String)]
    /// Extra headers to sign (e.g. content-md5, content-type, range); names in any case.
    package var headers: [(String, String)]
    /// Hex SHA-256 of the body, or `"UNSIGNED-PAYLOAD"`.
    package var payloadHash: String

    package init(
        method: String, host: String, path: String, query: [(String, String)],
        headers: [(String, String)], payloadHash: String
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// Everything a signature is made of, for tests and for explaining a `SignatureDoesNotMatch`.
package struct SigV4Signing: Sendable, Equatable {
    /// `yyyyMMdd'T'HHmmss'Z'`, the value of `x-amz-date`.
    package var amzDate: String
    /// `date/region/service/aws4_request`.
    package var credentialScope: String
    package var canonicalRequest: String
    /// Lower-case header names, sorted, `;`-separated.
    package var signedHeaders: String
    package var stringToSign: String
    /// Hex HMAC-SHA256 of the string to sign under the signing key.
    package var signature: String
    let accessKeyID: String

    /// The `Authorization` header value, parts separated by `", "` as the AWS SDKs send it.
    package var authorization: String { authorization(separator: ", ") }

    /// The `Authorization` header value with the given separator between its parts
    /// (the S3 documentation prints `","`; servers accept both).
    package func authorization(separator: String) -> String {
        "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(credentialScope)"
            + "\(separator)SignedHeaders=\(signedHeaders)\(separator)Signature=\(signature)"
    }
}

/// AWS Signature Version 4 for the `Authorization` header: a pure function of the
/// request, the credentials and an injected date.
///
/// For service `"s3"` the signer also sends and signs `x-amz-content-sha256`; for any other
/// service it signs exactly `host`, `x-amz-date`, the session token if any, and the given headers.
/// The path is always signed as given (the S3 rule); callers for other services must pass
/// an already-normalised path.
package struct SigV4Signer: Sendable {
    let credentials: AWSCredentials
    package let region: String
    package let service: String

    /// Where derived signing keys are kept between requests (nil: derived for each).
    let keyCache: SigningKeyCache?

    package init(credentials: AWSCredentials, region: String, service: String = "s3", keyCache: SigningKeyCache? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.keyCache = keyCache
    }

    /// Headers to add to the request: `host` is not returned (the HTTP client sets it) but is
    /// signed; returns `x-amz-date`, `x-amz-content-sha256` (service s3 only),
    /// `x-amz-security-token` (if a session token), and `authorization`.
    package func signedHeaders(for request: SignableRequest, date: Date) -> [(String, String)] {
        let signing = sign(request, date: date)
        return addedHeaders(payloadHash: request.payloadHash, amzDate: signing.amzDate)
            + [("authorization", signing.authorization)]
    }

    /// All the intermediate strings of signing `request` at `date`.
    package func sign(_ request: SignableRequest, date: Date) -> SigV4Signing {
        let amzDate = Self.amzDate(date)
        let added = addedHeaders(payloadHash: request.payloadHash, amzDate: amzDate)
        let owned = Set(added.map { $0.0 } + ["host", "authorization"])
        let extra = request.headers.filter { !owned.contains($0.0.lowercased()) }
        let headers = [("host", request.host)] + added + extra
        let (canonical, signed) = Self.canonicalRequest(
            method: request.method, path: request.path, query: request.query,
            headers: headers, payloadHash: request.payloadHash)
        let toSign = stringToSign(canonicalRequest: canonical, date: date)
        return SigV4Signing(
            amzDate: amzDate, credentialScope: credentialScope(date: date),
            canonicalRequest: canonical, signedHeaders: signed, stringToSign: toSign,
            signature: signature(stringToSign: toSign, date: date),
            accessKeyID: credentials.accessKeyID)
    }

    /// The canonical request and its signed-headers list. `headers` is the full set to sign,
    /// host and x-amz-* included.
    package static func canonicalRequest(
        method: String, path: String, query: [(String, String)],
        headers: [(String, String)], payloadHash: String
    ) -> (canonicalRequest: String, signedHeaders: String) {
        let (canonicalHeaders, signed) = canonicalHeaders(headers)
        let lines = [
            method, path.isEmpty ? "/" : path, canonicalQuery(query), canonicalHeaders, signed, payloadHash,
        ]
        return (lines.joined(separator: "\n"), signed)
    }

    /// `k=v&…`, keys and values encoded (RFC 3986 unreserved kept), sorted by key then value.
    package static func canonicalQuery(_ query: [(String, String)]) -> String {
        encodedSortedQuery(query).map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The query's keys and values encoded (RFC 3986 unreserved kept) and sorted by key, then
    /// value, byte-wise: the order SigV4 signs them in, and the order requests send them in.
    package static func encodedSortedQuery(_ query: [(String, String)]) -> [(String, String)] {
        query
            .map { (S3PathEncoding.encodeQueryComponent($0.0), S3PathEncoding.encodeQueryComponent($0.1)) }
            .sorted { lhs, rhs in
                lhs.0 != rhs.0
                    ? lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
                    : lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
            }
    }

    /// One `name:value\n` line per header (names lower-cased and sorted, values trimmed with inner
    /// runs of blanks collapsed, repeated names joined with `,`), and the signed-headers list.
    package static func canonicalHeaders(_ headers: [(String, String)]) -> (canonical: String, signed: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            values[name.lowercased(), default: []].append(trimAll(value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// `AWS4-HMAC-SHA256`, the date, the scope and the hex SHA-256 of the canonical request.
    package func stringToSign(canonicalRequest: String, date: Date) -> String {
        let hash = Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8)))
        return ["AWS4-HMAC-SHA256", Self.amzDate(date), credentialScope(date: date), hash]
            .joined(separator: "\n")
    }

    /// HMAC chain `AWS4`+secret → date → region → service → `aws4_request`.
    package func signingKey(date: Date) -> SymmetricKey {
        let day = String(Self.amzDate(date).prefix(8))
        let derive = {
            var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
            for part in [day, region, service, "aws4_request"] {
                key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
            }
            return key.withUnsafeBytes { Array($0) }
        }
        guard let keyCache else { return SymmetricKey(data: derive()) }
        return SymmetricKey(data: keyCache.key(scope: "\(day)/\(region)/\(service)", secret: credentials.secretAccessKey, derive: derive))
    }

    /// Hex HMAC-SHA256 of the string to sign under the signing key of `date`.
    package func signature(stringToSign: String, date: Date) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(date: date)))
    }

    /// `yyyyMMdd/region/service/aws4_request`.
    package func credentialScope(date: Date) -> String {
        "\(Self.amzDate(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC, computed without a (non-Sendable) formatter.
    package static func amzDate(_ date: Date) -> String {
        Timestamp.basicISO8601(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    private func addedHeaders(payloadHash: String, amzDate: String) -> [(String, String)] {
        var headers = [("x-amz-date", amzDate)]
        if service == "s3" { headers.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        return headers
    }

    private static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

/// S3 key and query encoding: every UTF-8 byte except `A-Z a-z 0-9 - . _ ~` is
/// percent-encoded with upper-case hex; `encodePath` also keeps `/`.
package enum S3PathEncoding {
    /// Encodes an object key or path for the request line, keeping `/` (so `"a b/c+d"` → `"a%20b/c%2Bd"`).
    package static func encodePath(_ key: String) -> String {
        encode(key, keepingSlash: true)
    }

    /// Encodes a query key or value (`/` is encoded too).
    package static func encodeQueryComponent(_ s: String) -> String {
        encode(s, keepingSlash: false)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func encode(_ text: String, keepingSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
