import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import TelemetryUpload
import Testing

/// `cfdev-telemetry flush` against each real server: what the shims of several
/// machines recorded lands exactly once under a prefix with spaces, `+`, `=` and non-ASCII,
/// read back with boto3; a wrong secret keeps everything and says why in one line.
@Suite("flush: everything lands exactly once, on every server")
struct FlushExactlyOnceTests {
    /// Spaces, `+`, `=` and non-ASCII, as `CFDEV_TELEMETRY_PREFIX` may hold.
    static let prefix = "tele metry+x=1/ü ñ/"
    static let maxBatchEvents = 7

    static let servers = S3ServerKind.allCases.filter { S3TestServer.shouldRun($0) }
    /// Servers that check the flusher's signatures on batch keys (moto cannot: see
    /// `S3TestServer.start`, `motoChecksSignatures`).
    static let signatureCheckingServers = [S3ServerKind.seaweedfs, .rclone].filter { S3TestServer.shouldRun($0) }

    @Test(
        "shims on three machines, then flush: every event once, in day partitions, batches bounded",
        arguments: servers)
    func shimsOnSeveralMachinesLandExactlyOnce(kind: S3ServerKind) async throws {
        try await S3TestServer.with(kind, motoChecksSignatures: false) { server in
            var expected = Set<String>()
            for machine in 0..<3 {
                let world = try FlushWorld(server: server, prefix: Self.prefix)
                // The real path: the `cf` shim on a terminal records what the user typed; the
                // first machine records in the foreground (debug), the others the default way,
                // in a detached recorder after the command.
                let recording: FlushWorld.Recording = machine == 0 ? .foreground : .detached
                var recorded: [String] = []
                for arguments in [
                    ["push", "app-\(machine)"], ["dev", "start"], ["create-service", "p-mysql", "small", "db"],
                    ["dev", "stop"],
                ] {
                    let (result, ids) = try await world.shim(arguments, recording: recording)
                    #expect(result.status == 0, "cf \(arguments.joined(separator: " ")): \(result.stdout)")
                    recorded += ids
                }
                let (failed, failedIDs) = try await world.shim(
                    ["restage", "app"], env: ["FAKE_CF_EXIT": "3"],
                    recording: recording)
                #expect(failed.status == 3)
                recorded += failedIDs
                if recording == .detached {
                    #expect(try await world.waitForPending(7) == 7)
                    recorded = try await world.pendingIDs()
                }
                #expect(recorded.count == 7, "push, start_begin, start_end, create-service, stop, restage, error")
                // Volume, over three UTC days.
                recorded += try world.fill(40, days: 3)
                #expect(try await world.pending() == recorded.count)

                let flush = try await world.flush(["--max-batch-events", "\(Self.maxBatchEvents)"])
                #expect(flush.status == 0, "flush: \(flush.stdout) \(flush.stderr)")
                #expect(flush.stdout.contains("Uploaded \(recorded.count) events"), "\(flush.stdout)")
                #expect(flush.stderr.isEmpty)
                let status = try await world.status()
                #expect(status["pending"] as? Int == 0)
                #expect(status["last_error"] is NSNull)
                #expect(status["last_flush"] is String)
                #expect(status["next_attempt"] is NSNull)
                expected.formUnion(recorded)
            }
            let objects = try await FlushWorld.read(server, prefix: Self.prefix)
            Landed.verify(objects, prefix: Self.prefix, expected: expected, maxBatchEvents: Self.maxBatchEvents)
            // Each machine's day went up in as few objects as the bound allows.
            var perMachineDay: [String: (events: Int, objects: Int)] = [:]
            for object in objects {
                let first = (object.lines ?? []).first.flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                let group = "\(first?["anonymous_id"] ?? "?") \(String((first?["timestamp"] as? String ?? "").prefix(10)))"
                perMachineDay[group, default: (0, 0)].events += object.lines?.count ?? 0
                perMachineDay[group, default: (0, 0)].objects += 1
            }
            for (group, count) in perMachineDay {
                let least = (count.events + Self.maxBatchEvents - 1) / Self.maxBatchEvents
                #expect(count.objects == least, "\(group): \(count.events) events in \(count.objects) objects")
            }
            #expect(perMachineDay.count == 9, "three machines × three days")
        }
    }

    @Test(
        "a wrong secret: exit 1, one line with the store's code, everything kept, status shows it",
        arguments: signatureCheckingServers)
    func wrongSecretKeepsEverything(kind: S3ServerKind) async throws {
        try await S3TestServer.with(kind) { server in
            let prefix = "wrong secret/"
            let world = try FlushWorld(server: server, prefix: prefix)
            let ids = try world.fill(12, days: 2)
            let secret = "not-the-secret-\(UUID().uuidString)"
            let result = try await world.flush(env: ["CFDEV_TELEMETRY_SECRET_ACCESS_KEY": secret])
            #expect(result.status == 1)
            #expect(result.errorLines.count == 1, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("SignatureDoesNotMatch"), "stderr: \(result.stderr)")
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
            let status = try await world.status()
            #expect(status["pending"] as? Int == 12)
            #expect((status["last_error"] as? String)?.contains("SignatureDoesNotMatch") == true, "\(status)")
            #expect(status["last_flush"] is NSNull)
            #expect(try await world.listed().isEmpty)

            // With the right secret, the same events go up once.
            let retry = try await world.flush()
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(try await world.pending() == 0)
            #expect(try await world.status()["last_error"] is NSNull)
            Landed.verify(try await world.landed(), prefix: prefix, expected: Set(ids))
        }
    }
    @Test(
        "the byte bound per object, and the events dropped at the cap reported with the next upload",
        arguments: servers)
    func byteBoundAndDroppedCount(kind: S3ServerKind) async throws {
        try await S3TestServer.with(kind, motoChecksSignatures: false) { server in
            let prefix = "limits/"
            let maxBytes = 2048
            let world = try FlushWorld(server: server, prefix: prefix, extra: ["CFDEV_TELEMETRY_MAX_BATCH_BYTES": "\(maxBytes)"])
            // A spool capped at 20: the 10 oldest of 30 are dropped and counted.
            let ids = try world.fill(30, cap: 20)
            let before = try await world.status()
            #expect(before["pending"] as? Int == 20)
            #expect(before["dropped_unreported"] as? Int == 10)

            let result = try await world.flush()
            #expect(result.status == 0, "\(result.stderr)")
            let objects = try await world.landed()
            Landed.verify(objects, prefix: prefix, expected: Set(ids.suffix(20)))
            for object in objects {
                let size = (object.lines ?? []).reduce(0) { $0 + $1.utf8.count + 1 }
                #expect(size <= maxBytes || object.lines?.count == 1, "\(size) bytes of NDJSON in \(object.key)")
            }
            #expect(objects.count >= 3, "20 events of ~300 bytes cannot fit in fewer objects of 2 KiB")

            // The project's own GET: headers as stored.
            let client = try server.client()
            var reported: [String] = []
            for object in objects {
                let response = try await client.getObjectResponse(key: object.key)
                #expect(response.etag == object.md5)
                #expect(response.header("content-type") == "application/gzip")
                if let dropped = response.header(Flusher.droppedHeader) { reported.append(dropped) }
            }
            #expect(reported == ["10"], "the dropped count travels once, with one object: \(reported)")
            let after = try await world.status()
            #expect(after["dropped_unreported"] as? Int == 0)
            #expect(after["dropped"] as? Int == 10)
        }
    }
}

extension FlushWorld {
    /// Every object under `prefix` on `server` (boto3), with bytes and lines.
    static func read(_ server: S3TestServer, prefix: String) async throws -> [S3Read.Object] {
        try await offPool { try S3Read.dump(server, prefix: prefix) }
    }
}
