import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// `cfdev-telemetry doctor` says in plain words what is right and wrong, and `off` sends
/// `telemetry_off` in one short final flush before deleting what is pending.
@Suite("doctor and the final flush of off, against SeaweedFS", .requires(.seaweedfs), .serialized)
struct DoctorAndOffTests {
    @Test func doctorPassesOnAGoodSetup() async throws {
        try await S3TestServer.with(.seaweedfs) { server in
            let world = try FlushWorld(server: server, prefix: "doctor/")
            let result = try await world.cli(["doctor"])
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout.contains("ok   endpoint"))
            #expect(result.stdout.contains("ok   credentials and signing"))
            #expect(result.stdout.contains("ok   clock"))
            #expect(result.stdout.contains("Everything looks right."))
            #expect(!result.stdout.contains(server.credentials.secretAccessKey))
        }
    }

    @Test func doctorNamesAWrongSecret() async throws {
        try await S3TestServer.with(.seaweedfs) { server in
            let world = try FlushWorld(server: server, prefix: "doctor/")
            let result = try await world.cli(["doctor"], env: ["CFDEV_TELEMETRY_SECRET_ACCESS_KEY": "not-the-secret"])
            #expect(result.status == 1)
            #expect(result.stdout.contains("FAIL credentials and signing"))
            #expect(result.stdout.contains("secret access key is probably wrong"))
            #expect(!result.stdout.contains("not-the-secret"))
        }
    }

    @Test func doctorNamesAnUnreachableEndpointAndMissingCredentials() async throws {
        let port = try FreePorts.one()
        let sandbox = try Sandbox()
        // `doctor` with `endpoint` and, unless told otherwise, some credentials.
        func doctor(_ endpoint: String, credentials: Bool = true) throws -> ProcessResult {
            let keys = credentials ? ["CFDEV_TELEMETRY_ACCESS_KEY_ID": "AK", "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": "SK"] : [:]
            return try sandbox.cli(["doctor"], env: keys.merging(["CFDEV_TELEMETRY_ENDPOINT": endpoint]) { _, new in new })
        }
        let unreachable = try doctor("http://127.0.0.1:\(port)")
        #expect(unreachable.status == 1)
        #expect(unreachable.stdout.contains("FAIL endpoint: cannot reach http://127.0.0.1:\(port)"))
        // What this run found, plainly: no guess about a Date header from a store never reached.
        #expect(unreachable.stdout.contains("clock: not checked (the store could not be reached)"))
        #expect(!unreachable.stdout.contains("Date header"))
        // And doctor writes nothing: no telemetry home appears before consent.
        #expect(!FileManager.default.fileExists(atPath: sandbox.telemetryHome.directory))
        let noCredentials = try doctor("http://127.0.0.1:\(port)", credentials: false)
        #expect(noCredentials.status == 1)
        #expect(noCredentials.stdout.contains("FAIL configuration: no upload credentials"))
        let insecure = try doctor("http://s3.example.com")
        #expect(insecure.status == 1)
        #expect(insecure.stdout.contains("FAIL configuration"))
    }

    @Test func offSendsTelemetryOffThenDeletesEverything() async throws {
        try await S3TestServer.with(.seaweedfs) { server in
            // The final flush is the real one (not /bin/true), bounded to a few seconds.
            let world = try FlushWorld(
                server: server, prefix: FlushWorld.uniquePrefix("off "),
                extra: [
                    "CFDEV_TELEMETRY_FLUSHER": ProductLocator.cli,
                    // A loaded test machine can take more than the default 3 s.
                    "CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "30",
                ])
            let ids = try world.fill(3)
            let off = try await world.cli(["off"])
            #expect(off.status == 0, "\(off.stderr)")
            #expect(off.stdout.contains("Telemetry is off"))
            #expect(try await world.pending() == 0)
            let landed = try await world.landed()
            let lines = landed.flatMap { $0.lines ?? [] }
            let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(events.compactMap { $0["event"] as? String }.filter { $0 == "telemetry_off" }.count == 1)
            #expect(Set(events.compactMap { $0["event_id"] as? String }).isSuperset(of: Set(ids)))
            // From then on nothing is recorded or sent.
            let (_, recorded) = try await world.shim(["dev", "stop"])
            #expect(recorded.isEmpty)
            #expect(try await world.pending() == 0)
        }
    }
}
