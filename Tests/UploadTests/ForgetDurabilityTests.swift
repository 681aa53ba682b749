import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryTestSupport
import TelemetryStore
import TelemetryUpload
import Testing

/// The erasure request on the machine: kept while the store is down, shown by `status`, sent
/// first by the next flush even with telemetry off, and by the flush after a new `on` before any
/// event; `cf dev telemetry --forget` asks on the terminal.
@Suite("forget: the request is kept until the store has it", .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct ForgetDurabilityTests {
    static let deadStore = ["CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9", "CFDEV_TELEMETRY_FLUSH_TIMEOUT_SECONDS": "3"]

    func erasure(_ world: FlushWorld) async throws -> [String: Any]? {
        try await world.status()["erasure_request"] as? [String: Any]
    }

    @Test("store down: pending, then sent by a flush with telemetry off; after a new on, before any event")
    func pendingUntilLanded() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("forget "))
        _ = try world.fill(5)
        #expect(try await world.flush().status == 0)

        // The store is down: forget still turns off, deletes, and keeps the request.
        _ = try world.fill(2)
        let forget = try await world.cli(["forget", "--yes", "--timeout", "2"], env: Self.deadStore)
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(forget.stdout.contains("2 pending events were deleted unsent"), "\(forget.stdout)")
        #expect(forget.stderr.contains("could not be sent yet"), "\(forget.stderr)")
        #expect(try await world.pending() == 0)
        let pending = try #require(try await erasure(world))
        #expect(pending["state"] as? String == "pending")
        #expect(pending["landed_at"] is NSNull)
        let text = try await world.cli(["status"])
        #expect(text.stdout.contains("Erasure request: made \(pending["requested_at"] as? String ?? "?"), pending"), "\(text.stdout)")

        // Still down: the flush fails in one line and keeps it.
        let failed = try await world.flush([], env: Self.deadStore)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("the erasure request could not be sent"), "\(failed.stderr)")
        #expect(try await erasure(world)?["state"] as? String == "pending")

        // Back up, telemetry still off: the flush sends the request and nothing else.
        let sent = try await world.flush()
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("Sent the erasure request"), "\(sent.stdout)")
        let landed = try #require(try await erasure(world))
        #expect(landed["state"] as? String == "landed")
        let stored = try await offPool { try S3Read.dump(server, prefix: world.prefix + "erasures/v1/") }
        #expect(stored.count == 1)
        let id = try #require(landed["anonymous_id"] as? String)
        #expect(stored.first?.key == "\(world.prefix)erasures/v1/\(id)/\((landed["requested_at"] as? String ?? "").filter { $0 != "-" && $0 != ":" && $0 != "." }).json")
        // A second flush has nothing more to send.
        #expect(try await world.flush().stdout.contains("Nothing sent: telemetry is not on"))

        // Forget again (store down), then on: the next flush sends the request first, then the events.
        try await Task.sleep(nanoseconds: 5_000_000)
        #expect(try await world.cli(["forget", "--yes", "--timeout", "1"], env: Self.deadStore).status == 0)
        #expect(try await world.cli(["on"]).status == 0)
        _ = try world.fill(3)
        let both = try await world.flush()
        #expect(both.status == 0, "\(both.stderr)")
        let sentAt = both.stdout.range(of: "Sent the erasure request"), uploadedAt = both.stdout.range(of: "Uploaded 3 events")
        #expect(sentAt != nil && uploadedAt != nil && sentAt!.lowerBound < uploadedAt!.lowerBound, "\(both.stdout)")
        #expect(try await offPool { try S3Read.list(server, prefix: world.prefix + "erasures/v1/") }.count == 2)
    }

    @Test("a flush killed with kill -9 while its request is in flight: the next one lands it, once")
    func killedMidRequest() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("forget-kill "), endpoint: proxy.url)
            #expect(try await world.cli(["forget", "--yes", "--timeout", "1"], env: Self.deadStore).status == 0)
            // The PUT of the request is held at the proxy; the flusher is killed meanwhile.
            try await proxy.script(["hold"])
            let flusher = try world.startFlusher()
            let held = try await proxy.waitForLog(timeout: 30) { log in log.contains { $0.action == "hold" } }
            #expect(held.contains { $0.method == "PUT" && $0.path.contains("/erasures/v1/") }, "\(held.map(\.path))")
            #expect(flusher.kill9())
            try await proxy.release()
            #expect(try await erasure(world)?["state"] as? String == "pending")

            try await proxy.script([])
            let again = try await world.flush()
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("Sent the erasure request"), "\(again.stdout)")
            #expect(try await erasure(world)?["state"] as? String == "landed")
            #expect(try await proxy.log().allSatisfy { $0.method == "PUT" && $0.ifNoneMatch == "*" })
            #expect(try await offPool { try S3Read.list(server, prefix: world.prefix + "erasures/v1/") }.count == 1)
        }
    }

    /// A second `forget` while a flush is sending the first request: the first lands, and the
    /// second, newer one stays pending (it is not overwritten as "landed"), then lands too.
    @Test("a forget while the previous request is in flight keeps the newer request pending")
    func aNewerRequestMadeMeanwhileStaysPending() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("forget-twice "), endpoint: proxy.url)
            #expect(try await world.cli(["forget", "--yes", "--timeout", "1"], env: Self.deadStore).status == 0)
            let first = try #require(try await erasure(world)?["requested_at"] as? String)
            try await proxy.script(["hold"])
            let flusher = try world.startFlusher()
            _ = try await proxy.waitForLog(timeout: 30) { log in log.contains { $0.action == "hold" } }
            try await Task.sleep(nanoseconds: 5_000_000)
            #expect(try await world.cli(["forget", "--yes", "--timeout", "1"], env: Self.deadStore).status == 0)
            let second = try #require(try await erasure(world)?["requested_at"] as? String)
            #expect(second != first)
            try await proxy.release()
            #expect(await flusher.wait(timeout: 60) == 0)
            let after = try #require(try await erasure(world))
            #expect(after["state"] as? String == "pending")
            #expect(after["requested_at"] as? String == second)

            try await proxy.script([])
            #expect(try await world.flush().status == 0)
            #expect(try await erasure(world)?["state"] as? String == "landed")
            #expect(try await offPool { try S3Read.list(server, prefix: world.prefix + "erasures/v1/") }.count == 2)
        }
    }

    /// A store that never answers: each try of the request gets what is left of the run (at
    /// most 30 s), so the last one ends with the run, which then says why in one line, rather
    /// than running past it into the hard limit that ends the process.
    @Test("a stalled store: the erasure request's last try ends with the run, not past it")
    func aStalledStoreEndsWithTheRun() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("forget-stall "), endpoint: proxy.url)
            #expect(try await world.cli(["forget", "--yes", "--timeout", "1"], env: Self.deadStore).status == 0)
            try await proxy.script([], default: "stall")
            // The first try times out after 30 s; the next one has 3 s left, not 30.
            let stalled = try await world.flush(["--timeout", "33"], timeout: 90)
            #expect(stalled.status == 1)
            #expect(stalled.stderr.contains("the erasure request could not be sent"), "\(stalled.stderr)")
            #expect(!stalled.stderr.contains("time limit"), "\(stalled.stderr)")
            #expect(try await proxy.log().count >= 2)
            #expect(try await erasure(world)?["state"] as? String == "pending")
        }
    }

    @Test("telemetry off, the request pending: the next catalog command through the shim sends it in the background")
    func shimRetriesWhileOff() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("forget-retry "))
        #expect(try await world.cli(["forget", "--yes", "--timeout", "1"], env: Self.deadStore).status == 0)
        #expect(try await erasure(world)?["state"] as? String == "pending")
        // A command that is not in the catalog starts nothing; `cf dev stop` does (the real flusher).
        let flusher = ["CFDEV_TELEMETRY_FLUSHER": ProductLocator.cli]
        #expect(try await world.shim(["apps"], env: flusher, recording: .detached).0.status == 0)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try await erasure(world)?["state"] as? String == "pending")
        #expect(try await world.shim(["dev", "stop"], env: flusher, recording: .detached).0.status == 0)
        let deadline = Date().addingTimeInterval(30)
        var state = try await erasure(world)?["state"] as? String
        while state != "landed" && Date() < deadline {
            try await Task.sleep(nanoseconds: 200_000_000)
            state = try await erasure(world)?["state"] as? String
        }
        #expect(state == "landed")
        #expect(try await world.pending() == 0, "nothing was recorded: telemetry is off")
    }

    @Test("cf dev telemetry --forget asks on the terminal; no answer changes nothing")
    func shimAsks() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("forget-shim "))
        _ = try world.fill(2)
        let no = try await offPool { try world.sandbox.cfOnTerminal(["dev", "telemetry", "--forget"], env: world.environment, input: "n\n") }
        #expect(no.status == 1)
        #expect(no.stdout.contains("Forget this machine? [y/N]"), "\(no.stdout)")
        #expect(try await world.pending() == 2)
        #expect(try await erasure(world) == nil)

        // (The shim's flush child is /bin/true here: the request stays pending.)
        let yes = try await offPool { try world.sandbox.cfOnTerminal(["dev", "telemetry", "--forget"], env: world.environment, input: "y\n") }
        #expect(yes.status == 0, "\(yes.stdout)")
        #expect(yes.stdout.contains("Erasure request made at"), "\(yes.stdout)")
        #expect(try await world.pending() == 0)
        #expect(try await world.status()["consent"] as? String == "off")
        #expect(try await erasure(world)?["state"] as? String == "pending")
        #expect(try await world.flush().stdout.contains("Sent the erasure request"))
        #expect(try await erasure(world)?["state"] as? String == "landed")
    }
}
