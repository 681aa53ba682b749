import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryTestSupport
import TelemetryStore
import Testing

/// The flusher behind a fault-injecting proxy in front of a real SeaweedFS:
/// retried faults still land everything exactly once; past the per-run bound the run stops,
/// keeps everything, and persists a next attempt that the shim respects.
@Suite(
    "flush: faults between the flusher and the store", .requires(.seaweedfs),
    .realS3Server(.seaweedfs))
struct FlushFaultTests {
    @Test("503 SlowDown, 500, 429, dropped connections before and after the store: retried, exactly once")
    func retriedFaultsLandExactlyOnce() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("faults "), endpoint: proxy.url)
            let ids = try world.fill(30, days: 1)
            // Batch 1: four failures, then the fifth (last allowed) attempt passes. Batch 2: stored
            // but the answer is lost, then sent again. Batch 3: a mix of both kinds.
            let script = ["503", "500", "429", "drop-before", "pass", "drop-after", "pass", "503", "drop-after", "500", "pass"]
            try await proxy.script(script)
            let result = try await world.flush(["--max-batch-events", "10"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("Uploaded 30 events in 3 objects"), "\(result.stdout)")
            #expect(try await world.pending() == 0)

            let log = try await proxy.log()
            #expect(log.map(\.action) == script, "\(log.map(\.action))")
            #expect(log.filter { $0.action == "drop-after" }.allSatisfy { $0.status == 200 }, "the server stored those")
            let objects = try await world.landed()
            Landed.verify(objects, prefix: world.prefix, expected: Set(ids), maxBatchEvents: 10)
            #expect(objects.count == 3)
            // Every attempt at a key carried the same bytes, the ones that landed.
            let etags = Dictionary(uniqueKeysWithValues: objects.map { ($0.key, $0.etag) })
            let attempts = Dictionary(grouping: log) { Landed.key(ofPath: $0.path, bucket: server.bucket) ?? "?" }
            #expect(Set(attempts.keys) == Set(etags.keys))
            for (key, tries) in attempts {
                #expect(Set(tries.map(\.md5)) == [etags[key] ?? "-"], "\(key): \(tries.map(\.md5))")
            }
            #expect(attempts.values.map(\.count).sorted() == [2, 4, 5])
        }
    }

    @Test("an answer that never comes times out and is retried in the same run")
    func stalledAnswerIsRetriedAfterTheRequestTimeout() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("stall "), endpoint: proxy.url)
            let ids = try world.fill(8)
            try await proxy.script(["stall-after"])
            let started = Date()
            let result = try await world.flush(timeout: 150)
            let elapsed = Date().timeIntervalSince(started)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(elapsed > 20 && elapsed < 100, "\(elapsed) s")
            let log = try await proxy.log()
            #expect(log.map(\.action) == ["stall-after", "pass"])
            #expect(Set(log.map(\.md5)).count == 1, "the same bytes both times")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a stall past --timeout stops the run; the next run sends the same object again")
    func stallPastTheRunTimeout() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("timeout "), endpoint: proxy.url)
            let ids = try world.fill(9)
            try await proxy.script(["stall-after"])
            let started = Date()
            let stalled = try await world.flush(["--timeout", "2"])
            #expect(stalled.status == 1)
            // Ended by its own limit, long before the proxy lets go of the stalled answer (120 s).
            #expect(Date().timeIntervalSince(started) < 60)
            #expect(stalled.errorLines.count == 1, "\(stalled.stderr)")
            #expect(try await world.pending() == 9)
            // The proxy finishes forwarding (a fresh SeaweedFS may take a moment for its first object).
            let first = try await proxy.waitForLog { $0.first?.done == true }
            #expect(first.count == 1 && first.first?.status == 200, "stored, answer never sent: \(first)")

            let again = try await world.flush()
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try await world.pending() == 0)
            let log = try await proxy.log()
            #expect(
                log.count == 2 && Set(log.map(\.path)).count == 1 && Set(log.map(\.md5)).count == 1,
                "same key, same bytes: \(log)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("past the per-run bound: exit 1, events kept, next attempt persisted and respected by the shim")
    func failuresPastTheBound() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            // A shim that is due to flush at every command would start the real flusher.
            let world = try FlushWorld(
                server: server, prefix: FlushWorld.uniquePrefix("bound "), endpoint: proxy.url,
                extra: ["CFDEV_TELEMETRY_FLUSH_INTERVAL": "0", "CFDEV_TELEMETRY_FLUSHER": ProductLocator.cli])
            var ids = try world.fill(10)
            try await proxy.script([], default: "503")
            let started = Date()
            let result = try await world.flush()
            #expect(result.status == 1)
            // Given up after its tries, long before the run's own limit (120 s).
            #expect(Date().timeIntervalSince(started) < 60)
            #expect(result.errorLines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("SlowDown"), "\(result.stderr)")
            #expect(try await proxy.log().count == RetryPolicy().maxAttempts)

            let status = try await world.status()
            #expect(status["pending"] as? Int == 10)
            #expect((status["last_error"] as? String)?.contains("SlowDown") == true, "\(status)")
            let nextAttempt = try #require(status["next_attempt"] as? String, "\(status)")
            let lastAttempt = try #require(status["last_attempt"] as? String)
            #expect(
                nextAttempt > Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds() + 10_000),
                "backoff of at least tens of seconds: \(nextAttempt)")

            // The shim records (the default way: in a detached recorder, which also decides
            // about a flush), but no flush is started before the next attempt time.
            try await proxy.script([], default: "pass")
            let (shim, _) = try await world.shim(["dev", "stop"], recording: .detached)
            #expect(shim.status == 0)
            #expect(try await world.waitForPending(11) == 11)
            ids = try await world.pendingIDs()
            try await Task.sleep(nanoseconds: 3_000_000_000)
            #expect(try await proxy.log().isEmpty, "a background flush was started during the backoff")
            let after = try await world.status()
            #expect(after["pending"] as? Int == 11)
            #expect(after["last_attempt"] as? String == lastAttempt)

            // By hand, a flush always tries now.
            let byHand = try await world.flush()
            #expect(byHand.status == 0, "\(byHand.stderr)")
            let cleared = try await world.status()
            #expect(cleared["pending"] as? Int == 0)
            #expect(cleared["next_attempt"] is NSNull)
            #expect(cleared["last_error"] is NSNull)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a refused connection is retried within the bound, then reported in one line")
    func connectionRefused() async throws {
        let server = try S3TestServer.requireCurrent()
        let closedPort = try FreePorts.one()
        let world = try FlushWorld(
            server: server, prefix: FlushWorld.uniquePrefix("refused "),
            endpoint: "http://127.0.0.1:\(closedPort)")
        try world.fill(4)
        let started = Date()
        let result = try await world.flush()
        #expect(result.status == 1)
        // Given up after its tries, long before the run's own limit (120 s).
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(result.errorLines.count == 1, "\(result.stderr)")
        #expect(try await world.pending() == 4)
        #expect(try await world.status()["next_attempt"] is String)
    }
}
