import Crypto
import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// `S3Client` against real S3-compatible servers started on loopback (SPEC §9), read back with boto3.
/// Each nested suite shares one server; a kind whose binary is missing is skipped, except under `CI`.
@Suite("S3Client against real servers")
struct S3ClientTests {
    /// A prefix with spaces, `+`, `=` and non-ASCII, as `CFDEV_TELEMETRY_PREFIX` may be.
    static let specialPrefix = "tele metry+x=1/ü/"
    /// The batch key layout under `specialPrefix`.
    static let specialKey = specialPrefix + "events/v1/dt=2026-11-23/abc.ndjson.gz"
    /// moto (5.x) re-signs werkzeug's re-quoted URL to check a signature: a path with `=`, `+`, `%` or
    /// non-ASCII, or a query value with `/` or non-ASCII, fails with SignatureDoesNotMatch even for
    /// boto3. So on moto: spaces only in keys, no `=` in the partition, no `/` in list prefixes.
    static let motoKey = "moto space/events/v1/dt-2026-11-23/abc.ndjson.gz"

    @Suite("SeaweedFS", .requires(.seaweedfs), .realS3Server(.seaweedfs))
    struct SeaweedFS {
        @Test func putUnderSpecialPrefixLandsAsIs() async throws {
            try await S3ClientChecks.putAndReadBack(key: S3ClientTests.specialKey, listPrefix: S3ClientTests.specialPrefix + "events/")
        }
        @Test func keysWithPercentAndPunctuationAreEncodedOnce() async throws {
            try await S3ClientChecks.oddKeys(prefix: S3ClientTests.specialPrefix)
        }
        @Test func listPaginatesWithContinuationTokens() async throws {
            try await S3ClientChecks.paginate(prefix: S3ClientTests.specialPrefix + "pages/")
        }
        @Test func wrongSecretIsFatalSignatureDoesNotMatch() async throws {
            try await S3ClientChecks.wrongSecret(expectedCode: "SignatureDoesNotMatch")
        }
        @Test func skewedClockIsClockSkewAndCorrectable() async throws {
            try await S3ClientChecks.skewedClock()
        }
        @Test func lifecycleRoundTrip() async throws {
            try await S3ClientChecks.lifecycle()
        }
        @Test func headBucketAndMissingObject() async throws {
            try await S3ClientChecks.headAndMissing()
        }
    }

    @Suite("moto", .requires(.moto), .realS3Server(.moto))
    struct Moto {
        @Test func putUnderSpacedPrefixLandsAsIs() async throws {
            try await S3ClientChecks.putAndReadBack(key: S3ClientTests.motoKey, listPrefix: "moto space")
        }
        @Test func listPaginatesWithContinuationTokens() async throws {
            try await S3ClientChecks.paginate(prefix: "moto pages ", suffix: ".txt")
        }
        @Test func wrongSecretIsFatalSignatureDoesNotMatch() async throws {
            try await S3ClientChecks.wrongSecret(expectedCode: "SignatureDoesNotMatch")
        }
        @Test func lifecycleRoundTrip() async throws {
            try await S3ClientChecks.lifecycle()
        }
        @Test func headBucketAndMissingObject() async throws {
            try await S3ClientChecks.headAndMissing()
        }
        /// moto does not check the request time: a +20 min clock is accepted.
        @Test func skewedClockIsAcceptedByMoto() async throws {
            let server = try S3TestServer.requireCurrent()
            let client = try server.client(clock: { Date().addingTimeInterval(20 * 60) })
            let response = try await client.putObject(key: "skew/accepted.txt", body: Data("x".utf8), contentType: "text/plain")
            #expect(response.status == 200)
        }
    }

    @Suite("rclone", .requires(.rclone), .realS3Server(.rclone))
    struct Rclone {
        @Test func putUnderSpecialPrefixLandsAsIs() async throws {
            try await S3ClientChecks.putAndReadBack(key: S3ClientTests.specialKey, listPrefix: S3ClientTests.specialPrefix + "events/")
        }
        @Test func keysWithPercentAndPunctuationAreEncodedOnce() async throws {
            try await S3ClientChecks.oddKeys(prefix: S3ClientTests.specialPrefix)
        }
        @Test func listPaginatesWithContinuationTokens() async throws {
            try await S3ClientChecks.paginate(prefix: S3ClientTests.specialPrefix + "pages/")
        }
        @Test func wrongSecretIsFatalSignatureDoesNotMatch() async throws {
            try await S3ClientChecks.wrongSecret(expectedCode: "SignatureDoesNotMatch")
        }
        @Test func skewedClockIsClockSkewAndCorrectable() async throws {
            try await S3ClientChecks.skewedClock()
        }
        @Test func headBucketAndMissingObject() async throws {
            try await S3ClientChecks.headAndMissing()
        }
    }

    @Test func plainHTTPToANonLoopbackHostIsRejected() throws {
        #expect(throws: S3EndpointError.insecureHTTP("http://s3.example.com:9000")) {
            try S3Endpoint(url: "http://s3.example.com:9000", bucket: "telemetry", region: "us-east-1")
        }
        do {
            _ = try S3Endpoint(url: "http://10.0.0.7", bucket: "telemetry")
            Issue.record("accepted plain http to 10.0.0.7")
        } catch {
            #expect("\(error)".contains("http://10.0.0.7"))
            #expect(!"\(error)".contains("\n"))
        }
        _ = try S3Endpoint(url: "http://10.0.0.7", bucket: "telemetry", allowInsecureHTTP: true)
        _ = try S3Endpoint(url: "http://127.0.0.1:8333", bucket: "telemetry")
    }
}

/// The checks, shared by the server suites; each uses `S3TestServer.current`.
enum S3ClientChecks {
    static func ndjson(_ count: Int, tag: String) -> [String] {
        (0..<count).map { #"{"id":"\#(tag)-\#($0)","event":"cf_push","n":\#($0)}"# }
    }

    static func md5Hex(_ data: Data) -> String { Hex.encode(Insecure.MD5.hash(data: data)) }

    /// PUT `key`, read it back with boto3 (bytes, ETag, lines) and with the client; list under `listPrefix`.
    static func putAndReadBack(key: String, listPrefix: String) async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let lines = ndjson(20, tag: "put")
        let body = try Gzip.compress(Data((lines.joined(separator: "\n") + "\n").utf8))

        let response = try await client.putObject(key: key, body: body, contentType: "application/x-ndjson")
        #expect(response.status == 200)
        #expect(response.etag == md5Hex(body))
        let serverDate = try #require(response.serverDate)
        #expect(abs(serverDate.timeIntervalSinceNow) < 120)

        let read = try S3Read.get(server, key: key)
        #expect(read.key == key)
        #expect(read.bytes == body)
        #expect(read.etag == md5Hex(body))
        #expect(read.lines == lines)
        let listed = try S3Read.list(server, prefix: listPrefix)
        #expect(listed.map(\.key) == [key])

        #expect(try await client.getObject(key: key) == body)
        let page = try await client.listObjectsV2(prefix: listPrefix)
        #expect(page.objects == [ListedObject(key: key, size: Int64(body.count), etag: md5Hex(body), lastModified: page.objects.first?.lastModified)])
        #expect(page.serverDate != nil)
    }

    static func oddKeys(prefix: String) async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let keys = [
            prefix + "odd/100% sure & done;(x)!'*,@$.txt",
            prefix + "odd/already%20encoded%2B.txt",
            prefix + "odd/日本語 ~tilde-_.txt",
        ]
        for (index, key) in keys.enumerated() {
            let body = Data("body \(index)".utf8)
            let response = try await client.putObject(key: key, body: body, contentType: "text/plain")
            #expect(response.etag == md5Hex(body))
            #expect(try await client.getObject(key: key) == body)
        }
        let listed = try S3Read.list(server, prefix: prefix + "odd/")
        #expect(Set(listed.map(\.key)) == Set(keys))
        let ours = try await client.listObjectsV2(prefix: prefix + "odd/")
        #expect(Set(ours.keys) == Set(keys))
    }

    /// Three objects under `prefix`, listed one per page through continuation tokens, then after the first.
    static func paginate(prefix: String, suffix: String = "+=ü.txt") async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let keys = (1...3).map { "\(prefix)obj \($0)\(suffix)" }
        for key in keys {
            try await client.putObject(key: key, body: Data(key.utf8), contentType: "text/plain")
        }
        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await client.listObjectsV2(prefix: prefix, continuationToken: token, maxKeys: 1)
            pages += 1
            #expect(page.objects.count == 1)
            seen += page.keys
            for object in page.objects { #expect(object.size == Int64(object.key.utf8.count)) }
            if page.isTruncated {
                let next: String = try #require(page.nextContinuationToken)
                token = next
            } else {
                token = nil
            }
        } while token != nil && pages < 10
        #expect(pages == 3)
        #expect(seen == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })

        let after = try await client.listObjectsV2(prefix: prefix, startAfter: keys[0])
        #expect(after.keys == Array(keys[1...]))
        #expect(after.isTruncated == false)
    }

    static func wrongSecret(expectedCode: S3ErrorCode) async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client(secretAccessKey: "wrong-secret")
        let key = "wrong secret/events/v1/dt-2026-11-23/x.ndjson.gz"
        do {
            try await client.putObject(key: key, body: Data("x".utf8), contentType: "application/x-ndjson")
            Issue.record("PUT with a wrong secret succeeded")
        } catch let error as S3Error {
            #expect(error.classification == .fatal)
            #expect(error.status == 403)
            #expect(error.code == expectedCode)
            #expect(!error.message.isEmpty)
            #expect(error.serverDate != nil)
            let text = error.description
            #expect(!text.contains("\n"))
            #expect(text.hasPrefix("S3 PUT \(key) failed: 403 \(expectedCode): "))
        }
        #expect(try S3Read.list(server, prefix: "wrong secret").isEmpty)

        await #expect(throws: S3Error.self) { try await client.headBucket() }
    }

    static func skewedClock() async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client(clock: { Date().addingTimeInterval(20 * 60) })
        let key = "skew/late.txt"
        let body = Data("late".utf8)
        do {
            try await client.putObject(key: key, body: body, contentType: "text/plain")
            Issue.record("PUT with a +20 min clock succeeded")
            return
        } catch let error as S3Error {
            #expect(error.classification == .clockSkew)
            #expect(error.code == "RequestTimeTooSkewed")
            #expect(error.status == 403)
            let serverDate = try #require(error.serverDate)
            #expect(abs(serverDate.timeIntervalSinceNow) < 120)
            let skew = try #require(error.clockSkew)
            #expect(abs(skew + 20 * 60) < 120)
            #expect(client.correctClock(from: error))
            #expect(abs(client.clockOffset + 20 * 60) < 120)
        }
        let response = try await client.putObject(key: key, body: body, contentType: "text/plain")
        #expect(response.etag == md5Hex(body))
    }

    static let lifecycleXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
        <Rule><ID>telemetry-retention</ID><Filter><Prefix>events/</Prefix></Filter><Status>Enabled</Status>\
        <Expiration><Days>1825</Days></Expiration></Rule></LifecycleConfiguration>
        """

    static func lifecycle() async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        try await client.putBucketLifecycle(lifecycleXML)
        // SeaweedFS applies the bucket configuration asynchronously: a GET right after the PUT may
        // still answer NoSuchLifecycleConfiguration for a moment.
        let deadline = Date().addingTimeInterval(15)
        var xml = ""
        while true {
            do {
                xml = try await client.getBucketLifecycle()
                break
            } catch let error as S3Error where error.code == "NoSuchLifecycleConfiguration" && Date() < deadline {
                try await Task.sleep(nanoseconds: 200_000_000)
            }
        }
        let root = try #require(S3XMLElement.parse(Data(xml.utf8)))
        #expect(root.name == "LifecycleConfiguration")
        let rule = try #require(root.child("Rule"))
        #expect(rule.text(of: "ID") == "telemetry-retention")
        #expect(rule.child("Expiration")?.text(of: "Days") == "1825")
        #expect(rule.text(of: "Status") == "Enabled")
    }

    static func headAndMissing() async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let head = try await client.headBucket()
        #expect(head.serverDate != nil)

        do {
            _ = try await client.getObject(key: "no/such key.txt")
            Issue.record("GET of a missing key succeeded")
        } catch let error as S3Error {
            #expect(error.status == 404)
            #expect(error.code == "NoSuchKey")
            #expect(error.classification == .fatal)
        }
        let missingBucket = try server.client(bucket: "no-such-bucket-here")
        do {
            try await missingBucket.headBucket()
            Issue.record("HEAD of a missing bucket succeeded")
        } catch let error as S3Error {
            #expect(error.status == 404)
            #expect(error.classification == .fatal)
        }
    }
}
