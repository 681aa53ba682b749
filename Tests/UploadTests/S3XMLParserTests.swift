import Foundation
import Testing

@testable import TelemetryStore

/// The hand-written XML reader: the bodies SeaweedFS, moto and rclone really sent (captured by
/// Fixtures/s3xml/capture.py), the XML features S3 uses, and hostile documents.
@Suite("S3 XML without libxml2")
struct S3XMLParserTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/s3xml")

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name + ".xml"))
    }

    /// The keys capture.py uploads, in listing (byte) order.
    static let keys = [
        "events/v1/dt=2026-11-30/<tag>.ndjson.gz", "events/v1/dt=2026-11-30/a & b.ndjson.gz",
        "events/v1/dt=2026-12-01/plain.ndjson.gz", "events/v1/dt=2026-12-01/ü \"quoted\" 'single'.ndjson.gz",
    ]
    static let servers = ["seaweedfs", "moto", "rclone"]

    static func parse(_ text: String) -> S3XMLElement? { S3XMLElement.parse(Data(text.utf8)) }

    // MARK: Real answers

    @Test func everyCapturedBodyIsThere() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".xml") }
        for server in Self.servers {
            for kind in ["list-truncated", "list-next", "list-url-encoded", "list-plain", "error-no-such-key", "error-no-such-bucket"] {
                #expect(names.contains("\(server)-\(kind).xml"))
            }
        }
    }

    @Test(arguments: servers)
    func listingPagesOfRealServers(server: String) throws {
        let first = try #require(ListObjectsParser.parse(try Self.fixture("\(server)-list-truncated")))
        #expect(first.keys == Array(Self.keys.prefix(2)))
        #expect(first.isTruncated)
        #expect(first.nextContinuationToken?.isEmpty == false)
        #expect(first.objects.allSatisfy { $0.size == 1 && $0.etag == "9dd4e461268c8034f5c8564e155c67a6" })
        #expect(first.objects.allSatisfy { $0.lastModified?.hasPrefix("20") == true })

        let next = try #require(ListObjectsParser.parse(try Self.fixture("\(server)-list-next")))
        #expect(next.keys == Array(Self.keys.suffix(2)))
        #expect(!next.isTruncated)
        #expect(next.nextContinuationToken == nil)

        let all = try #require(ListObjectsParser.parse(try Self.fixture("\(server)-list-url-encoded")))
        #expect(all.keys == Self.keys)
        #expect(!all.isTruncated)

        // What cfdev-telemetry's own listing gets: keys escaped with entities, not URL-encoded.
        let plain = try #require(ListObjectsParser.parse(try Self.fixture("\(server)-list-plain")))
        #expect(plain.keys == Self.keys)
        #expect(plain.objects.map(\.etag) == Array(repeating: "9dd4e461268c8034f5c8564e155c67a6", count: 4))
    }

    @Test(arguments: servers)
    func errorsOfRealServers(server: String) throws {
        let missingKey = S3ErrorResponse.error(
            method: "GET", resource: "no/such key.gz", status: 404, headers: [("x-amz-request-id", "H1")],
            body: try Self.fixture("\(server)-error-no-such-key"), requestDate: Date())
        #expect(missingKey.code == "NoSuchKey")
        #expect(missingKey.classification == .fatal)
        let missingBucket = S3ErrorResponse.error(
            method: "GET", resource: "no-such-bucket-here", status: 404, headers: [],
            body: try Self.fixture("\(server)-error-no-such-bucket"), requestDate: Date())
        #expect(missingBucket.code == "NoSuchBucket")
        #expect(missingBucket.message == "The specified bucket does not exist")
        #expect(ListObjectsParser.parse(try Self.fixture("\(server)-error-no-such-bucket")) == nil)
    }

    @Test(arguments: ["seaweedfs", "rclone"])
    func badSignatureOfRealServers(server: String) throws {
        let error = S3ErrorResponse.error(
            method: "GET", resource: "xml-fixtures", status: 403, headers: [],
            body: try Self.fixture("\(server)-error-bad-signature"), requestDate: Date())
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.message.hasPrefix("The request signature we calculated does not match"))
    }

    @Test(arguments: ["seaweedfs", "moto"])
    func lifecycleOfRealServers(server: String) throws {
        let root = try #require(S3XMLElement.parse(try Self.fixture("\(server)-lifecycle")))
        #expect(root.name == "LifecycleConfiguration")
        let rule = try #require(root.child("Rule"))
        #expect(rule.text(of: "ID") == "keep-logs-short")
        #expect(rule.child("Filter")?.text(of: "Prefix") == "logs/")
        #expect(rule.child("Expiration")?.text(of: "Days") == "7")
        #expect(rule.text(of: "Status") == "Enabled")
    }

    // MARK: XML features

    @Test func predefinedEntitiesAndCharacterReferences() throws {
        let root = try #require(Self.parse("<K>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#34;&#xA;&#x1F600;</K>"))
        #expect(root.text == "&<>\"'AB\"\n😀")
        // Hexadecimal references take a lower-case x only.
        #expect(Self.parse("<K>&#X43;</K>") == nil)
    }

    @Test func cdataCommentsInstructionsNamespacesAndLayout() throws {
        let root = try #require(
            Self.parse(
                """
                \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
                <!-- a comment before the root -->
                <s3:ListBucketResult xmlns:s3='http://s3.amazonaws.com/doc/2006-03-01/' a = "x>y">
                  <s3:Key><![CDATA[a <raw> & b]]></s3:Key>
                  <!-- inside --><?pi data?>
                  <Empty/><Spaced  >  keep  </Spaced >
                </s3:ListBucketResult>
                <!-- after -->
                """))
        #expect(root.name == "ListBucketResult")
        #expect(root.text == "")
        #expect(root.children.map(\.name) == ["Key", "Empty", "Spaced"])
        #expect(root.text(of: "Key") == "a <raw> & b")
        #expect(root.text(of: "Empty") == "")
        #expect(root.text(of: "Spaced") == "  keep  ")
    }

    @Test func aFullListingPageParses() throws {
        let contents = (0..<1000).map { index in
            "<Contents><Key>events/v1/dt=2026-12-01/\(index).ndjson.gz</Key><ETag>&quot;e\(index)&quot;</ETag>"
                + "<Size>\(index)</Size><StorageClass>STANDARD</StorageClass></Contents>"
        }
        let xml =
            "<ListBucketResult><IsTruncated>true</IsTruncated>\(contents.joined())"
            + "<NextContinuationToken>t</NextContinuationToken></ListBucketResult>"
        let page = try #require(ListObjectsParser.parse(Data(xml.utf8)))
        #expect(page.objects.count == 1000)
        #expect(page.objects[999] == ListedObject(key: "events/v1/dt=2026-12-01/999.ndjson.gz", size: 999, etag: "e999"))
    }

    @Test func urlEncodedKeysDecodePlusAsSpace() {
        #expect(ListObjectsParser.formDecoded("a+%26+b%2B%C3%BC") == "a & b+ü")
        #expect(ListObjectsParser.formDecoded("bad%2") == nil)
        #expect(ListObjectsParser.formDecoded("bad%zz") == nil)
        #expect(ListObjectsParser.formDecoded("%FF") == nil)
    }

    // MARK: Hostile documents

    @Test(arguments: [
        "", "   ", "not xml", "<?xml version=\"1.0\"?>", "<a>", "<a></b>", "<a><b></a></b>", "<a/><b/>", "<a/>trailing",
        "text<a/>", "<a>&foo;</a>", "<a>&amp</a>", "<a>& b</a>", "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#xFFFE;</a>",
        "<a>&#99999999999;</a>", "<a>&#x;</a>", "<a>&#-1;</a>", "<a>&#1a;</a>", "<a b=\"<\"/>", "<a b=c/>", "<a b/>",
        "<a b=\"1\"c=\"2\"/>", "<a b=\"unterminated/>", "<a><!-- unterminated</a>", "<a><![CDATA[ unterminated</a>",
        "<a><?pi unterminated</a>", "< a/>", "<1a/>", "<a>\u{01}</a>", "<a></a", "</a>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "<a><!DOCTYPE b></a>", "<a><!ELEMENT b ANY></a>",
    ])
    func malformedDocumentsAreRefused(xml: String) {
        #expect(Self.parse(xml) == nil)
    }

    @Test func entityExpansionIsRefused() {
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            <Error><Code>&lol3;</Code></Error>
            """
        #expect(Self.parse(laughs) == nil)
        let external = """
            <?xml version="1.0"?><!DOCTYPE Error [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Error><Code>&xxe;</Code></Error>
            """
        #expect(Self.parse(external) == nil)
    }

    @Test func invalidUTF8IsRefused() {
        #expect(S3XMLElement.parse(Data([0x3C, 0x61, 0x3E, 0xFF, 0xFE, 0x3C, 0x2F, 0x61, 0x3E])) == nil)
        #expect(S3XMLElement.parse(Data([0x3C, 0x61, 0x3E, 0xC3, 0x3C, 0x2F, 0x61, 0x3E])) == nil)
    }

    @Test func nestingIsBounded() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        }
        var element = try #require(Self.parse(nested(S3XMLParser.maxDepth)))
        var depth = 1
        while let child = element.children.first {
            element = child
            depth += 1
        }
        #expect(depth == S3XMLParser.maxDepth)
        #expect(Self.parse(nested(S3XMLParser.maxDepth + 1)) == nil)
        // Far deeper than any stack would take recursively: refused, not a crash.
        #expect(Self.parse(nested(200_000)) == nil)
        #expect(Self.parse(String(repeating: "<a>", count: 200_000)) == nil)
    }

    @Test func sizeIsBounded() {
        let shell = "<a></a>".utf8.count
        let atLimit = "<a>" + String(repeating: " ", count: S3XMLParser.maxBytes - shell) + "</a>"
        #expect(S3XMLElement.parse(Data(atLimit.utf8))?.name == "a")
        let overLimit = "<a>" + String(repeating: " ", count: S3XMLParser.maxBytes - shell + 1) + "</a>"
        #expect(S3XMLElement.parse(Data(overLimit.utf8)) == nil)
    }

    @Test func hostileErrorBodyFallsBackToTheStatus() {
        let error = S3ErrorResponse.error(
            method: "PUT", resource: "k", status: 503, headers: [],
            body: Data("<!DOCTYPE Error [<!ENTITY x \"SlowDown\">]><Error><Code>&x;</Code></Error>".utf8), requestDate: Date())
        #expect(error.code == "ServiceUnavailable")
        #expect(error.classification == .retryable)
    }
}
