import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

import Platform

/// The S3 client's pure parts (endpoint rules, request targets, XML, dates, classification) and
/// its transport failures, without an S3 server.
@Suite("S3Client without a server")
struct S3ClientUnitTests {
    /// A client of bucket `telemetry` on 127.0.0.1:`port` (where nothing need listen).
    static func loopbackClient(
        port: Int = 1, credentials: AWSCredentials = AWSCredentials(accessKeyID: "AK", secretAccessKey: "SK"),
        requestTimeout: TimeInterval = 30, clock: @escaping @Sendable () -> Date = Date.init
    ) throws -> S3Client {
        S3Client(
            endpoint: try S3Endpoint(url: "http://127.0.0.1:\(port)", bucket: "telemetry"), credentials: credentials,
            requestTimeout: requestTimeout, clock: clock)
    }

    // MARK: Endpoint

    @Test(arguments: [
        "http://127.0.0.1:8333", "http://127.9.8.7", "http://localhost:9000", "http://[::1]:9000",
        "https://s3.example.com", "https://s3.example.com/base/path",
    ])
    func acceptedEndpoints(url: String) throws {
        _ = try S3Endpoint(url: url, bucket: "telemetry-bucket")
    }

    @Test(arguments: [
        ("http://192.168.1.10:9000", "192.168.1.10"), ("http://128.0.0.1", "128.0.0.1"),
        ("http://localhost.example.com", "localhost.example.com"), ("ftp://host", "ftp://host"),
        ("http://evil.localhost:9000", "evil.localhost"), ("http://127.0.0.1.nip.io", "127.0.0.1.nip.io"),
        ("http://2130706433", "2130706433"), ("http://[::2]:9000", "::2"),
        ("http://user:hunter2@127.0.0.1:9000", "***@127.0.0.1"),
        ("https://s3.example.com?x=1", "?x=1"), ("not a url", "not a url"),
    ])
    func rejectedEndpoints(url: String, named: String) {
        do {
            _ = try S3Endpoint(url: url, bucket: "telemetry-bucket")
            Issue.record("accepted \(url)")
        } catch {
            #expect("\(error)".contains(named), "\(error)")
            #expect(!"\(error)".contains("\n"))
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test(arguments: ["ab", "Upper", "under_score", "-dash", "dot.", "a..b", "192.168.0.1", "xn--abc", "x-s3alias", String(repeating: "a", count: 64)])
    func rejectedBuckets(bucket: String) {
        #expect(throws: S3EndpointError.self) { try S3Endpoint(url: "https://s3.example.com", bucket: bucket) }
        do {
            _ = try S3Endpoint(url: "https://s3.example.com", bucket: bucket)
        } catch {
            #expect("\(error)".contains("\"\(bucket)\""))
        }
    }

    @Test func answersHeadersETagAndDate() {
        let response = S3Response(
            status: 200,
            headers: [("X-Amz-Request-Id", "r1"), ("ETag", " W/\"5d41\"\t"), ("DATE", "Sun, 06 Nov 1994 08:49:37 GMT"), ("x`y", "1")],
            body: Data())
        #expect(response.etag == "5d41")
        #expect(response.serverDate == Date(timeIntervalSince1970: 784_111_777))
        #expect(response.header("x-amz-request-id") == "r1" && response.header("date") != nil)
        // Only letters match across case: '@' and '`' differ by the same bit as 'A' and 'a'.
        #expect(response.header("x@y") == nil && response.header("x`y") == "1" && response.header("etag ") == nil)
        #expect(S3Response(status: 200, headers: [], body: Data()).serverDate == nil)
        for (raw, bare) in [("\"abc\"", "abc"), ("abc", "abc"), ("\"", "\""), ("", ""), ("  ", ""), ("&quot;x&quot;", "x"), ("\"ü\"", "ü")] {
            #expect(ListObjectsParser.unquote(raw) == bare, "\(raw)")
        }
    }

    @Test func bucketWithDotsNeedsPathStyle() throws {
        _ = try S3Endpoint(url: "https://s3.example.com", bucket: "my.bucket")
        #expect(throws: S3EndpointError.self) {
            try S3Endpoint(url: "https://s3.example.com", bucket: "my.bucket", pathStyle: false)
        }
    }

    @Test func badRegionIsNamed() {
        #expect(throws: S3EndpointError.invalidRegion("US East")) {
            try S3Endpoint(url: "https://s3.example.com", bucket: "telemetry", region: "US East")
        }
    }

    // MARK: Request target

    @Test func pathStyleTargetEncodesTheKeyOnce() throws {
        let endpoint = try S3Endpoint(url: "http://127.0.0.1:8333", bucket: "telemetry")
        let target = S3RequestTarget(endpoint: endpoint, key: "tele metry+x=1/ü/50%/a~b.gz")
        #expect(target.host == "127.0.0.1:8333")
        #expect(target.path == "/telemetry/tele%20metry%2Bx%3D1/%C3%BC/50%25/a~b.gz")
        #expect(target.url == "http://127.0.0.1:8333/telemetry/tele%20metry%2Bx%3D1/%C3%BC/50%25/a~b.gz")
    }

    @Test func virtualHostedTargetPutsTheBucketInTheHost() throws {
        let endpoint = try S3Endpoint(url: "https://s3.eu-west-1.amazonaws.com", bucket: "telemetry", region: "eu-west-1", pathStyle: false)
        let target = S3RequestTarget(endpoint: endpoint, key: "a b")
        #expect(target.host == "telemetry.s3.eu-west-1.amazonaws.com")
        #expect(target.path == "/a%20b")
        let bucket = S3RequestTarget(endpoint: endpoint, key: nil, query: [("lifecycle", "")])
        #expect(bucket.url == "https://telemetry.s3.eu-west-1.amazonaws.com/?lifecycle")
    }

    @Test func basePathDefaultPortAndIPv6() throws {
        let endpoint = try S3Endpoint(url: "https://store.example.com:443/s3/", bucket: "telemetry")
        let target = S3RequestTarget(endpoint: endpoint, key: nil, query: [("prefix", "a b/"), ("list-type", "2")])
        #expect(target.host == "store.example.com")
        #expect(target.path == "/s3/telemetry")
        #expect(target.query == "list-type=2&prefix=a%20b%2F")
        let v6 = S3RequestTarget(endpoint: try S3Endpoint(url: "http://[::1]:9000", bucket: "telemetry"), key: "k")
        #expect(v6.host == "[::1]:9000")
        #expect(v6.url == "http://[::1]:9000/telemetry/k")
    }

    // MARK: Parsing

    @Test func httpDates() {
        let expected = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.parse("Mon, 23 Nov 2026 18:56:57 GMT") == Date(timeIntervalSince1970: 1_795_460_217))
        #expect(HTTPDate.parse("yesterday") == nil)
        #expect(HTTPDate.parse("") == nil)
    }

    @Test func listBucketResult() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix>
            <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
            <Contents><Key>p/a &amp; b.gz</Key><LastModified>2026-11-23T18:00:00.000Z</LastModified>
            <ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>
            <Contents><Key>p/ü</Key><ETag>"abc"</ETag><Size>12</Size></Contents>
            <NextContinuationToken>tok/en+=</NextContinuationToken></ListBucketResult>
            """
        let page = try #require(ListObjectsParser.parse(Data(xml.utf8)))
        #expect(page.keys == ["p/a & b.gz", "p/ü"])
        #expect(page.objects[0].etag == "5d41402abc4b2a76b9719d911017c592")
        #expect(page.objects[0].size == 5)
        #expect(page.objects[1].etag == "abc")
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "tok/en+=")
        #expect(ListObjectsParser.parse(Data("<Error/>".utf8)) == nil)
        #expect(ListObjectsParser.parse(Data("not xml".utf8)) == nil)
    }

    // MARK: Classification

    @Test func classification() {
        let now = Date()
        func classify(_ status: Int?, _ code: S3ErrorCode, serverDate: Date? = nil) -> S3Error.Classification {
            S3Error.classify(status: status, code: code, serverDate: serverDate, requestDate: now)
        }
        #expect(classify(503, "SlowDown") == .retryable)
        #expect(classify(500, "InternalError") == .retryable)
        #expect(classify(429, "TooManyRequests") == .retryable)
        #expect(classify(400, "SlowDown") == .retryable)
        #expect(classify(nil, "ConnectionRefused") == .retryable)
        #expect(classify(403, "RequestTimeTooSkewed") == .clockSkew)
        #expect(classify(403, "SignatureDoesNotMatch", serverDate: now.addingTimeInterval(-20 * 60)) == .clockSkew)
        #expect(classify(403, "SignatureDoesNotMatch", serverDate: now.addingTimeInterval(30)) == .fatal)
        #expect(classify(403, "AccessDenied") == .fatal)
        #expect(classify(404, "NoSuchBucket") == .fatal)
        #expect(classify(301, "PermanentRedirect") == .fatal)
        #expect(classify(409, "ConditionalRequestConflict") == .retryable)
        #expect(classify(412, "PreconditionFailed") == .fatal)
    }

    @Test func errorDescriptionIsOneLine() {
        let error = S3Error(
            method: "PUT", resource: "events/v1/dt=2026-11-23/a.ndjson.gz", status: 403, code: "SignatureDoesNotMatch",
            message: "The request signature we calculated\ndoes not match.")
        #expect(error.description == "S3 PUT events/v1/dt=2026-11-23/a.ndjson.gz failed: 403 SignatureDoesNotMatch: The request signature we calculated does not match.")
        #expect(error.classification == .fatal)
    }

    @Test("a store's Date more than a day away is never applied; an offset the clock no longer needs is dropped")
    func clockCorrectionIsBounded() throws {
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        let client = try Self.loopbackClient(clock: { now })
        let year9999 = try #require(HTTPDate.parse("Fri, 31 Dec 9999 23:59:59 GMT"))
        let absurd = S3Error(
            method: "PUT", resource: "k", status: 403, code: "RequestTimeTooSkewed", message: "",
            serverDate: year9999, requestDate: now)
        #expect(!client.correctClock(from: absurd))
        #expect(client.clockOffset == 0)
        #expect(!S3Client.isPlausibleOffset(.nan) && !S3Client.isPlausibleOffset(86_401) && S3Client.isPlausibleOffset(-86_400))
        let skewed = S3Error(
            method: "PUT", resource: "k", status: 403, code: "RequestTimeTooSkewed", message: "",
            serverDate: now.addingTimeInterval(3600), requestDate: now)
        #expect(client.correctClock(from: skewed))
        #expect(client.clockOffset == 3600)
        // Still needed while the store's clock is an hour ahead…
        #expect(!client.settleClock(serverDate: now.addingTimeInterval(3600)))
        #expect(client.clockOffset == 3600)
        // …dropped once the local clock agrees with the store's.
        #expect(client.settleClock(serverDate: now.addingTimeInterval(2)))
        #expect(client.clockOffset == 0)
        // A skew complaint about a request already signed at the store's time is not retried.
        let signedRight = S3Error(
            method: "PUT", resource: "k", status: 403, code: "RequestTimeTooSkewed", message: "",
            serverDate: now, requestDate: now)
        #expect(!client.correctClock(from: signedRight))
    }

    @Test("what a store says is shown without control characters, and URLs without user-info")
    func outsideTextIsSanitized() {
        let error = S3Error(
            method: "PUT", resource: "k", status: 403, code: "Access\u{1b}[2JDenied",
            message: "no\u{1b}]0;title\u{07} \u{9b}2K\u{202e}evil see http://u:p@h.example/x")
        #expect(error.code == "Access[2JDenied")
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) || $0.value == 0x202e })
        #expect(error.description.contains("http://***@h.example/x"))
        #expect(!error.description.contains("u:p@"))
        #expect(DisplayText.sanitized(String(repeating: "x", count: 5000), limit: 10).count == 11)
        #expect(DisplayText.maskingUserInfo("https://AKIA:secret@s3.example.com:9000/base") == "https://***@s3.example.com:9000/base")
    }

    @Test func correctClockAppliesTheMeasuredSkew() throws {
        let client = try Self.loopbackClient(clock: { Date(timeIntervalSince1970: 1_000_000) })
        let error = S3Error(
            method: "PUT", resource: "k", status: 403, code: "RequestTimeTooSkewed", message: "",
            serverDate: Date(timeIntervalSince1970: 1_000_000 - 1200), requestDate: client.signingDate)
        #expect(client.correctClock(from: error))
        #expect(client.clockOffset == -1200)
        #expect(client.signingDate == Date(timeIntervalSince1970: 1_000_000 - 1200))
        // A second request that failed on the same skew (signed before the correction) does
        // not correct it twice.
        #expect(client.correctClock(from: error))
        #expect(client.clockOffset == -1200)
        let fatal = S3Error(method: "PUT", resource: "k", status: 403, code: "AccessDenied", message: "")
        #expect(!client.correctClock(from: fatal))
    }

    // MARK: Transport

    @Test func connectionRefusedIsRetryable() async throws {
        let port = try FreePorts.one()
        let client = try Self.loopbackClient(port: port, requestTimeout: 10)
        do {
            try await client.putObject(key: "k", body: Data("x".utf8))
            Issue.record("PUT to a closed port succeeded")
        } catch let error as S3Error {
            #expect(error.classification == .retryable)
            #expect(error.status == nil)
            #expect(error.code == "ConnectionRefused", "\(error)")
            #expect(error.description == "S3 PUT k failed: ConnectionRefused: connection refused (127.0.0.1:\(port))")
            #expect(error.description.hasPrefix("S3 PUT k failed: "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aStalledServerTimesOutRetryably() async throws {
        // A listening socket that never accepts: the kernel completes the handshake, nobody answers.
        let (fd, port) = try LoopbackSocket.bound(listening: 16)
        defer { close(fd) }
        let client = try Self.loopbackClient(port: port, requestTimeout: 1)
        do {
            try await client.putObject(key: "k", body: Data("x".utf8))
            Issue.record("PUT to a stalled server succeeded")
        } catch let error as S3Error {
            #expect(error.classification == .retryable)
            #expect(error.code == "Timeout", "\(error)")
            #expect(error.description == "S3 PUT k failed: Timeout: no complete answer before the request timeout (127.0.0.1:\(port))")
        }
    }

    // MARK: On the wire

    static func httpResponse(_ body: String = "", status: String = "200 OK", extra: String = "") -> String {
        "HTTP/1.1 \(status)\r\nDate: Mon, 23 Nov 2026 18:56:57 GMT\r\n\(extra)Content-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(body)"
    }

    @Test func theKeyGoesOnTheWireExactlyAsSigned() async throws {
        let capture = try WireCapture(response: Self.httpResponse(extra: "ETag: \"5d41402abc4b2a76b9719d911017c592\"\r\n"))
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token")
        let now = Date(timeIntervalSince1970: 1_795_460_217)
        let client = try Self.loopbackClient(port: capture.port, credentials: credentials, clock: { now })
        let body = Data("hello".utf8)
        let response = try await client.putObject(
            key: "tele metry+x=1/ü/50%/a b.ndjson.gz", body: body, contentType: "application/x-ndjson")
        #expect(response.etag == "5d41402abc4b2a76b9719d911017c592")
        #expect(response.serverDate == now)

        let request = try #require(capture.request())
        let path = "/telemetry/tele%20metry%2Bx%3D1/%C3%BC/50%25/a%20b.ndjson.gz"
        #expect(request.requestLine == "PUT \(path) HTTP/1.1")
        #expect(request.header("host") == "127.0.0.1:\(capture.port)")
        #expect(request.header("content-md5") == "XUFAKrxLKna5cZ2REBfFkg==")
        #expect(request.header("content-type") == "application/x-ndjson")
        #expect(request.header("content-length") == "5")
        let sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        #expect(request.header("x-amz-content-sha256") == sha)
        #expect(request.header("x-amz-date") == "20261123T185657Z")
        #expect(request.header("x-amz-security-token") == "token")
        #expect(request.body == body)
        let signable = SignableRequest(
            method: "PUT", host: "127.0.0.1:\(capture.port)", path: path, query: [],
            headers: [("content-md5", "XUFAKrxLKna5cZ2REBfFkg=="), ("content-type", "application/x-ndjson")],
            payloadHash: sha)
        let expected = SigV4Signer(credentials: credentials, region: "us-east-1").signedHeaders(for: signable, date: now)
        #expect(request.header("authorization") == expected.first { $0.0 == "authorization" }?.1)
        #expect(
            request.header("authorization")?.contains(
                "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token") == true)
    }

    @Test func listQueryIsEncodedOnceAndSorted() async throws {
        let listing = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>false</IsTruncated>\
            <Contents><Key>a</Key><ETag>"e"</ETag><Size>1</Size></Contents></ListBucketResult>
            """
        let capture = try WireCapture(response: Self.httpResponse(listing))
        let client = try Self.loopbackClient(port: capture.port)
        let page = try await client.listObjectsV2(prefix: "tele metry+x=1/ü/", continuationToken: "a/b=+", maxKeys: 1)
        #expect(page.keys == ["a"])
        #expect(page.serverDate == Date(timeIntervalSince1970: 1_795_460_217))
        let request = try #require(capture.request())
        #expect(request.requestLine == "GET /telemetry?continuation-token=a%2Fb%3D%2B&list-type=2&max-keys=1&prefix=tele%20metry%2Bx%3D1%2F%C3%BC%2F HTTP/1.1")
    }

    @Test func lifecyclePutSendsContentMD5() async throws {
        let capture = try WireCapture(response: Self.httpResponse())
        let client = try Self.loopbackClient(port: capture.port)
        let xml = "<LifecycleConfiguration/>"
        try await client.putBucketLifecycle(xml)
        let request = try #require(capture.request())
        #expect(request.requestLine == "PUT /telemetry?lifecycle HTTP/1.1")
        #expect(request.header("content-md5") == S3Client.contentMD5(Data(xml.utf8)))
        #expect(request.header("content-type") == "application/xml")
        #expect(request.body == Data(xml.utf8))
    }

    @Test func errorBodyIsParsedIntoS3Error() async throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>R1</RequestId></Error>
            """
        let capture = try WireCapture(response: Self.httpResponse(body, status: "503 Slow Down"))
        let client = try Self.loopbackClient(port: capture.port)
        do {
            _ = try await client.getObject(key: "k")
            Issue.record("a 503 succeeded")
        } catch let error as S3Error {
            #expect(error.status == 503)
            #expect(error.code == "SlowDown")
            #expect(error.requestID == "R1")
            #expect(error.classification == .retryable)
            #expect(error.serverDate == Date(timeIntervalSince1970: 1_795_460_217))
            #expect(error.description == "S3 GET k failed: 503 SlowDown: Please reduce your request rate.")
        }
    }
}
