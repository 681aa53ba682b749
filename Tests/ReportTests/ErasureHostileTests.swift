import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryStore
import TelemetryTestSupport
import Testing

/// Erasure requests as an abused upload key could write them, read by the real `report` from
/// SeaweedFS: a thousand forged requests for IDs nobody holds, a malformed object, a huge one, one
/// under another machine's key, one for a machine with no events, two for one machine. The
/// report honours the real ones, counts the rest as rejected, and never fails.
@Suite("report: hostile erasure requests (SeaweedFS)", .requires(.seaweedfs))
struct ErasureHostileTests {
    @Test("forged, malformed, huge and repeated requests: the real ones honoured, the rest counted")
    func hostileRequests() async throws {
        try await S3TestServer.with(.seaweedfs) { server in
            let prefix = "hostile/"
            let layout = PartitionLayout(prefix: prefix)
            let client = try server.client()
            let day = "2026-03-02"
            // Machines 0…5 with 3 events each at 12:34:56.789Z.
            let events = (0..<6).flatMap { machine in (0..<3).map { _ in FixtureEvent(event: .stop, day: day, machine: machine) } }
            _ = try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day), body: try EventFixtures.object(events.map(\.line)))

            func put(_ key: String, _ body: Data) async throws {
                _ = try await client.putObject(key: key, body: body, contentType: "application/json", writeOnce: true)
            }
            func request(_ machine: Int, _ at: String) throws -> ErasureRequest {
                try #require(ErasureRequest.milliseconds(ofTimestamp: at).flatMap { ErasureRequest(anonymousID: EventFixtures.anonymousID(machine), requestedMs: $0) })
            }
            // A thousand forged requests for IDs nobody holds, sixteen at a time.
            let forged = (0..<1000).map { _ in ErasureRequest(anonymousID: (UUID().uuidString + UUID().uuidString).lowercased().filter { $0 != "-" }, requestedMs: 1_800_000_000_000)! }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, request) in forged.enumerated() {
                    if index >= 16 { try await group.next() }
                    group.addTask { _ = try await client.putObject(key: request.key(in: layout), body: request.body, writeOnce: true) }
                }
                try await group.waitForAll()
            }
            // Machine 0: two requests, the later one covering its events. Machine 1: one made a
            // millisecond before its events (nothing erased). Machine 9: no events at all.
            for request in [
                try request(0, "2026-03-01T00:00:00.000Z"), try request(0, "2026-03-02T12:34:56.789Z"), try request(1, "2026-03-02T12:34:56.788Z"), try request(9, "2026-03-03T00:00:00.000Z"),
            ] {
                try await put(request.key(in: layout), request.body)
            }
            // Rejected: malformed, huge (2 MiB, listed larger than 1 KiB: never fetched), a
            // real request for machine 2 put under machine 3's key, and a body of the wrong shape.
            let machine2 = try request(2, "2026-03-03T00:00:00.000Z")
            try await put(layout.erasuresRoot + EventFixtures.anonymousID(4) + "/junk.json", Data("{not json".utf8))
            try await put(layout.erasuresRoot + EventFixtures.anonymousID(5) + "/huge.json", Data(repeating: 0x7B, count: 2 << 20))
            try await put(try request(3, "2026-03-03T00:00:00.000Z").key(in: layout), machine2.body)
            try await put(layout.erasuresRoot + "x/y.json", Data("[1,2,3]".utf8))

            let sandbox = try Sandbox()
            let result = try await offPool {
                try sandbox.cli(
                    ["report", "--from", day, "--to", day, "--k", "2", "--format", "json", "--no-cache"],
                    env: server.environment(prefix: prefix))
            }
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("4 objects under \(prefix)erasures/v1/ were not a valid erasure request (ignored)"), "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let input = try #require(object["input"] as? [String: Any])
            #expect(input["erased"] as? Int == 3, "machine 0's three events")
            #expect(input["erasure_requests"] as? Int == 1004)
            #expect(input["rejected_erasure_requests"] as? Int == 4)
            let rows = try ReportChecks.jsonRows(result.stdout)
            #expect(ReportChecks.row(rows)?["events"] as? Int == 15)
            #expect(ReportChecks.row(rows)?["machines"] as? Int == 5)
        }
    }
}
