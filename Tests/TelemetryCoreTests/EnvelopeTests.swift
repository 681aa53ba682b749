import Foundation
import Testing
import TelemetryRules
@testable import TelemetryCore

@Suite("The envelope: eight fields, their formats, deterministic bytes")
struct EnvelopeTests {
    static let envelope = Envelope(
        eventID: "6f1c1a8e-1234-4abc-9def-0123456789ab", event: .appCreated,
        timestamp: Timestamp.iso8601(milliseconds: 1_795_460_400_123), anonymousID: AnonymousID.derive(from: "m"),
        os: "linux 6.1", data: ["memory_mb": .int(512), "flags": .strings(["memory", "path"]), "z": .bool(true)])

    @Test func exactlyTheEightFields() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Self.envelope.jsonLine.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["schema", "event_id", "event", "timestamp", "anonymous_id", "os", "build", "data"])
        #expect(object["schema"] as? Int == 1)
        #expect(object["event"] as? String == "app_created")
        #expect(object["build"] as? String == BuildInfo.version)
        #expect((object["data"] as? [String: Any])?["memory_mb"] as? Int == 512)
    }

    @Test func fieldOrderAndBytesAreFixed() {
        #expect(
            Self.envelope.jsonLine == """
                {"schema":1,"event_id":"6f1c1a8e-1234-4abc-9def-0123456789ab","event":"app_created","timestamp":"2026-11-23T19:00:00.123Z",\
                "anonymous_id":"\(AnonymousID.derive(from: "m"))","os":"linux 6.1","build":"\(BuildInfo.version)",\
                "data":{"flags":["memory","path"],"memory_mb":512,"z":true}}
                """)
    }

    @Test func timestampIsUTCWithMilliseconds() {
        #expect(Timestamp.iso8601(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(milliseconds: 1_700_000_000_007) == "2023-11-14T22:13:20.007Z")
        let now = Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds())
        #expect(now.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
        #expect(Envelope(event: .stop, timestamp: now, anonymousID: "", os: "").day == String(now.prefix(10)))
    }

    @Test func eventIDsAreUniqueUUIDs() {
        let ids = (0..<1000).map { _ in Envelope.newEventID() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil })
    }

    @Test func stringsAreEscaped() {
        #expect(FlatJSON.string("a\"b\\c\nd\u{1}é") == "\"a\\\"b\\\\c\\nd\\u0001é\"")
    }

    @Test func osIsCoarse() {
        #expect(OSInfo.coarse(sysname: "Linux", release: "6.1.0-18-amd64") == "linux 6.1")
        #expect(OSInfo.coarse(sysname: "Darwin", release: "23.5.0") == "darwin 23.5")
        #expect(OSInfo.current().wholeMatch(of: /[a-z]+ \d+\.\d+/) != nil)
    }
}

@Suite("Machine ID: only an app-specific HMAC leaves")
struct MachineIDTests {
    @Test func anonymousIDIsHMACHex() {
        let id = AnonymousID.derive(from: "0123456789abcdef0123456789abcdef")
        #expect(id.count == 64)
        #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(id != AnonymousID.derive(from: "0123456789abcdef0123456789abcdee"))
        #expect(!id.contains("0123456789abcdef0123456789abcdef"))
        // Not a bare SHA-256 of the ID: keyed with the product constant.
        #expect(id == AnonymousID.derive(from: "0123456789abcdef0123456789abcdef"))
    }

    @Test("empty, missing and all-zero machine IDs are not used", arguments: ["", "\n", "00000000000000000000000000000000\n", "MISSING"])
    func unusableIDs(_ content: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        if content != "MISSING" { try content.write(toFile: dir + "/id", atomically: true, encoding: .utf8) }
        #expect(MachineID.readOSMachineID(environment: ["CFDEV_TELEMETRY_MACHINE_ID_FILE": dir + "/id"]) == nil)
    }

    @Test func fallbackIsRandomAndKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = TelemetryHome(directory: dir)
        let first = try Spool.open(home: home).fallbackMachineID()
        let again = try Spool.open(home: home).fallbackMachineID()
        #expect(first == again)
        #expect(first.count == 32)
        #expect(MachineID.generateRandom() != MachineID.generateRandom())
    }
}
