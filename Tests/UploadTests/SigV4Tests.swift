import Crypto
import Foundation
import TelemetryCore
import TelemetryStore
import Testing

/// One published SigV4 example, as stored in Fixtures/sigv4/*.json.
struct SigV4Vector: Decodable, CustomTestStringConvertible, Sendable {
    struct Credentials: Decodable, Sendable {
        var accessKeyID: String
        var secretAccessKey: String
        var sessionToken: String?
    }
    struct Request: Decodable, Sendable {
        var method: String
        var host: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var body: String
    }
    struct Expected: Decodable, Sendable {
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String
    }

    var name: String
    var source: String
    var credentials: Credentials
    var region: String
    var service: String
    var amzDate: String
    var epochSeconds: Double
    var request: Request
    var expected: Expected

    var testDescription: String { name }

    var signer: SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey,
                sessionToken: credentials.sessionToken),
            region: region, service: service)
    }

    var date: Date { Date(timeIntervalSince1970: epochSeconds) }

    var signable: SignableRequest {
        SignableRequest(
            method: request.method, host: request.host, path: request.path,
            query: request.query.map { ($0[0], $0[1]) }, headers: request.headers.map { ($0[0], $0[1]) },
            payloadHash: Hex.encode(SHA256.hash(data: Array(request.body.utf8))))
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigv4")

    static func all() throws -> [SigV4Vector] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.map { try JSONDecoder().decode(SigV4Vector.self, from: Data(contentsOf: $0)) }
    }
}

@Suite struct SigV4VectorTests {
    @Test func fixturesAreAllThere() throws {
        let names = Set(try SigV4Vector.all().map(\.name))
        let required: Set = [
            "s3-get-object", "s3-put-object", "s3-get-bucket-lifecycle", "s3-list-objects",
            "get-vanilla", "post-vanilla", "get-vanilla-query-order-key-case", "get-vanilla-empty-query-key",
            "post-x-www-form-urlencoded", "get-vanilla-query-unreserved", "get-utf8",
        ]
        #expect(required.isSubset(of: names), "missing: \(required.subtracting(names).sorted())")
    }

    @Test(arguments: try SigV4Vector.all())
    func publishedVector(_ vector: SigV4Vector) {
        let signer = vector.signer
        let signing = signer.sign(vector.signable, date: vector.date)

        #expect(signing.amzDate == vector.amzDate)
        #expect(signing.canonicalRequest == vector.expected.canonicalRequest)
        #expect(signing.stringToSign == vector.expected.stringToSign)
        // The S3 documentation prints the header with "," between its parts, the test suite with ", ".
        let separator = vector.expected.authorization.contains(", SignedHeaders=") ? ", " : ","
        #expect(signing.authorization(separator: separator) == vector.expected.authorization)

        // The pure pieces agree with the whole.
        #expect(
            signer.stringToSign(canonicalRequest: vector.expected.canonicalRequest, date: vector.date)
                == vector.expected.stringToSign)
        #expect(
            vector.expected.authorization.hasSuffix(
                "Signature=" + signer.signature(stringToSign: vector.expected.stringToSign, date: vector.date)))

        // And the headers handed to the HTTP client carry that same authorization.
        let headers = signer.signedHeaders(for: vector.signable, date: vector.date)
        #expect(headers.last?.0 == "authorization")
        #expect(headers.last?.1 == signing.authorization)
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == vector.amzDate)
        #expect(!headers.contains { $0.0.lowercased() == "host" })
    }
}

@Suite struct SigV4SignerTests {
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z
    static let credentials = AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    static func put(path: String) -> SignableRequest {
        SignableRequest(
            method: "PUT", host: "127.0.0.1:8333", path: path, query: [],
            headers: [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="), ("Content-Type", "application/gzip")],
            payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func s3HeadersWithoutSessionToken() {
        let headers = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
            .signedHeaders(for: Self.put(path: "/b/k"), date: Self.date)
        #expect(headers.map(\.0) == ["x-amz-date", "x-amz-content-sha256", "authorization"])
        #expect(headers[1].1 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            headers[2].1.contains(
                "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date, "))
    }

    @Test func sessionTokenIsSentAndSigned() {
        var credentials = Self.credentials
        credentials.sessionToken = "FwoGZXIvYXdzEXAMPLE//token+="
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        let signing = signer.sign(Self.put(path: "/b/k"), date: Self.date)
        let headers = signer.signedHeaders(for: Self.put(path: "/b/k"), date: Self.date)

        #expect(headers.map(\.0) == ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"])
        #expect(headers[2].1 == "FwoGZXIvYXdzEXAMPLE//token+=")
        #expect(
            signing.signedHeaders
                == "content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(signing.canonicalRequest.contains("\nx-amz-security-token:FwoGZXIvYXdzEXAMPLE//token+=\n"))
        // The token is under the signature: a different token, a different signature.
        let unsigned = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
            .sign(Self.put(path: "/b/k"), date: Self.date)
        #expect(signing.signature != unsigned.signature)
    }

    /// A client keeps the last signing key; a request of another day, region, service or secret
    /// (credentials refreshed) is signed as if nothing were kept.
    @Test func aKeptSigningKeySignsAsADerivedOne() {
        let cache = SigningKeyCache()
        var rotated = Self.credentials
        rotated.secretAccessKey = "another-secret"
        let nextDay = Self.date.addingTimeInterval(86_400)
        let cases: [(AWSCredentials, String, String, Date)] = [
            (Self.credentials, "us-east-1", "s3", Self.date), (Self.credentials, "us-east-1", "s3", Self.date.addingTimeInterval(60)),
            (Self.credentials, "us-east-1", "s3", nextDay), (Self.credentials, "eu-west-1", "s3", nextDay),
            (Self.credentials, "eu-west-1", "sts", nextDay), (rotated, "eu-west-1", "sts", nextDay), (Self.credentials, "eu-west-1", "sts", nextDay),
        ]
        for (credentials, region, service, date) in cases + cases {
            let kept = SigV4Signer(credentials: credentials, region: region, service: service, keyCache: cache)
            let derived = SigV4Signer(credentials: credentials, region: region, service: service)
            #expect(kept.sign(Self.put(path: "/b/k"), date: date).signature == derived.sign(Self.put(path: "/b/k"), date: date).signature)
        }
    }

    @Test func nonS3ServiceSignsOnlyWhatItIsGiven() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        let headers = signer.signedHeaders(for: Self.put(path: "/"), date: Self.date)
        #expect(headers.map(\.0) == ["x-amz-date", "authorization"])
        #expect(
            signer.sign(Self.put(path: "/"), date: Self.date).signedHeaders
                == "content-md5;content-type;host;x-amz-date")
    }

    @Test(arguments: ["/bucket//key", "/bucket/./key", "/bucket/a/../key", "/bucket/key/"])
    func s3PathIsNotNormalised(path: String) {
        let signing = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
            .sign(Self.put(path: path), date: Self.date)
        #expect(signing.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[1] == path[...])
    }

    @Test func s3PathIsNotEncodedAgain() {
        let signing = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
            .sign(Self.put(path: "/b/a%20b%2Bc"), date: Self.date)
        #expect(signing.canonicalRequest.hasPrefix("PUT\n/b/a%20b%2Bc\n\n"))
    }

    @Test func callerCannotOverrideSignerOwnedHeaders() {
        var request = Self.put(path: "/b/k")
        request.headers += [("Host", "evil"), ("X-Amz-Date", "19700101T000000Z"), ("Authorization", "x")]
        let signing = SigV4Signer(credentials: Self.credentials, region: "us-east-1").sign(request, date: Self.date)
        #expect(signing.canonicalRequest.contains("\nhost:127.0.0.1:8333\n"))
        #expect(signing.canonicalRequest.contains("\nx-amz-date:20130524T000000Z\n"))
        #expect(!signing.canonicalRequest.contains("evil"))
        #expect(!signing.signedHeaders.contains("authorization"))
    }

    @Test func headerValuesAreTrimmedAndRepeatedNamesJoined() {
        let (canonical, signed) = SigV4Signer.canonicalHeaders([
            ("My-Header1", "  a   b\t c "), ("Host", "h"), ("my-header1", "second"),
        ])
        #expect(canonical == "host:h\nmy-header1:a b c,second\n")
        #expect(signed == "host;my-header1")
    }

    @Test func queryIsEncodedAndSorted() {
        #expect(
            SigV4Signer.canonicalQuery([("prefix", "events/v1/dt=2024-01-01/"), ("list-type", "2"), ("a b", "")])
                == "a%20b=&list-type=2&prefix=events%2Fv1%2Fdt%3D2024-01-01%2F")
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"), (1_369_353_600, "20130524T000000Z"), (1_440_938_160, "20150830T123600Z"),
        (1_709_164_800, "20240229T000000Z"), (1_709_251_199.999, "20240229T235959Z"), (4_102_444_800, "21000101T000000Z"),
    ])
    func amzDate(seconds: Double, expected: String) {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: seconds)) == expected)
    }
}

@Suite struct S3PathEncodingTests {
    @Test func keepsUnreservedAndSlash() {
        #expect(S3PathEncoding.encodePath("/AZaz09-._~/x") == "/AZaz09-._~/x")
    }

    @Test func encodesEverythingElseUppercase() {
        #expect(S3PathEncoding.encodePath("a b") == "a%20b")
        #expect(S3PathEncoding.encodePath("a+b") == "a%2Bb")
        #expect(S3PathEncoding.encodePath("dt=2024-01-01") == "dt%3D2024-01-01")
        #expect(S3PathEncoding.encodePath("test$file.text") == "test%24file.text")
        #expect(S3PathEncoding.encodePath("%*!'();:@&,?#[]") == "%25%2A%21%27%28%29%3B%3A%40%26%2C%3F%23%5B%5D")
    }

    @Test func encodesUTF8Bytes() {
        #expect(S3PathEncoding.encodePath("/ሴ") == "/%E1%88%B4")
        #expect(S3PathEncoding.encodePath("café/ü") == "caf%C3%A9/%C3%BC")
        #expect(S3PathEncoding.encodePath("😀") == "%F0%9F%98%80")
    }

    @Test func keepsEmptySegmentsAndDots() {
        #expect(S3PathEncoding.encodePath("/b//./k") == "/b//./k")
    }

    @Test func queryComponentEncodesSlashToo() {
        #expect(S3PathEncoding.encodeQueryComponent("events/v1/") == "events%2Fv1%2F")
        #expect(S3PathEncoding.encodeQueryComponent("a b+c=d&e") == "a%20b%2Bc%3Dd%26e")
        #expect(S3PathEncoding.encodeQueryComponent("-._~") == "-._~")
    }
}
