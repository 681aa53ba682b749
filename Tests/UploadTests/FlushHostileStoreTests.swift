import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// The flusher against a store (the fault proxy in front of real SeaweedFS) that stalls, drips,
/// floods, lies about the time or answers with terminal escape sequences: every request and run
/// ends by its deadline, the lock goes with it, the clock is never poisoned, no answer is
/// buffered whole, and nothing from outside reaches the terminal raw.
@Suite("flush: a hostile store", .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct FlushHostileStoreTests {
    /// The proxy holds a stalled answer for 120 s: a run that ends by itself well before the
    /// harness gives up (90 s) had its own deadline.
    static let harnessBound: Double = 90

    @Test(
        "headers then a stalled or dripping body: the run ends at --timeout, the next run lands the batch once",
        arguments: ["body-stall", "body-drip"])
    func stalledBody(action: String) async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("\(action) "), endpoint: proxy.url)
            let ids = try world.fill(5)
            try await proxy.script([], default: action)
            let stopped = try await world.flush(["--timeout", "5"], timeout: Self.harnessBound)
            #expect(stopped.status == 1, "\(action): \(stopped.stderr)")
            #expect(stopped.errorLines.count == 1, "\(stopped.stderr)")
            // The request's own limit ended it (not the process backstop): the error is saved.
            #expect(stopped.stderr.contains("Timeout"), "\(stopped.stderr)")
            #expect((try await world.status()["last_error"] as? String)?.contains("Timeout") == true)
            #expect(try await world.pending() == 5)
            // The store holds the object (the proxy forwarded it; waited for, as a loaded server
            // may take a moment): the conditional re-send is answered 412, which counts as stored.
            let forwarded = try await proxy.waitForLog { $0.first?.upstreamStatus != nil }
            #expect(forwarded.first?.upstreamStatus == 200, "\(forwarded)")
            try await proxy.script([])
            let next = try await world.flush()
            #expect(next.status == 0, "\(next.stderr)")
            #expect(next.stdout.contains("already in the store"), "\(next.stdout)")
            #expect(try await proxy.log().map { $0.status ?? 0 } == [412])
            #expect(try await world.pending() == 0)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a background flush against a stalled body ends by its own deadline and lets go of the lock")
    func backgroundFlushEnds() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(
                server: server, prefix: FlushWorld.uniquePrefix("background "), endpoint: proxy.url,
                extra: ["CFDEV_TELEMETRY_FLUSH_TIMEOUT": "3"])
            let ids = try world.fill(4)
            try await proxy.script(["body-stall"])
            let background = try world.startFlusher(["--background"])
            let status = await background.wait(timeout: Self.harnessBound)
            #expect(status != nil, "the background flush did not end by itself")
            #expect(try await proxy.log().count >= 1)
            // The lock went with it: a flush by hand does not wait.
            let next = try await world.flush()
            #expect(next.status == 0, "\(next.stderr)")
            #expect(!next.stdout.contains("Another flush"), "\(next.stdout)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a flush by hand waits for the background flush holding the lock, says so, then sends what is left")
    func manualFlushWaits() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(
                server: server, prefix: FlushWorld.uniquePrefix("wait "), endpoint: proxy.url,
                extra: ["CFDEV_TELEMETRY_FLUSH_TIMEOUT": "60"])
            let ids = try world.fill(6)
            // No PUT of the background flush is ever answered (nor its retries): it holds the
            // lock until it is killed.
            try await proxy.script([], default: "stall")
            let background = try world.startFlusher(["--background"])
            defer { background.kill9() }
            let seen = try await proxy.waitForLog(timeout: 60) { $0.count >= 1 }
            try #require(seen.count == 1, "the background flush never reached the store")
            let manual = try world.startWatchedFlush()
            defer { manual.child.kill9() }
            let waiting = await manual.waitForOutput("Another flush is running; waiting up to", timeout: 60)
            #expect(waiting, "\(manual.stdout) \(manual.stderr)")
            try await proxy.script([])
            // The holder goes away (as a background flush does at its deadline): the one by hand
            // gets the lock and sends everything.
            #expect(background.kill9(), "the background flush should still hold the lock")
            let status = await manual.child.wait(timeout: Self.harnessBound)
            #expect(status == 0, "\(manual.stdout) \(manual.stderr)")
            #expect(manual.stdout.contains("Uploaded 6 events"), "\(manual.stdout)")
            #expect(try await world.pending() == 0)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("one 403 RequestTimeTooSkewed dated 9999 is not believed: retried, nothing saved, later uploads fine")
    func absurdDateDoesNotPoisonTheClock() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("skew9999 "), endpoint: proxy.url)
            var ids = try world.fill(3)
            try await proxy.script(["skew9999"])
            let first = try await world.flush()
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try await proxy.log().map(\.action) == ["skew9999", "pass"])
            let status = try await world.status()
            #expect(status["clock_offset_seconds"] is NSNull, "\(status)")
            ids += try world.fill(2)
            try await proxy.script([])
            #expect(try await world.flush().status == 0)
            #expect(try await proxy.log().map { $0.status ?? 0 } == [200], "signed with the true clock at once")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a saved offset is shown by status and used by doctor; once it no longer helps the flush drops it")
    func staleOffsetIsShownAndDropped() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("offset "), endpoint: proxy.url)
            let ids = try world.fill(3)
            // As a run with the clock 20 minutes slow would have left it.
            try Spool.open(home: world.sandbox.telemetryHome).setMeta(.clockOffsetMs, "1200000")
            #expect(try await world.status()["clock_offset_seconds"] as? Double == 1200)
            let text = try await world.cli(["status"])
            #expect(text.stdout.contains("Clock offset:    +1200 s"), "\(text.stdout)")
            // doctor signs as the flusher would: the store refuses the time, and doctor says so.
            let doctor = try await world.cli(["doctor"])
            #expect(doctor.status == 1, "\(doctor.stdout)")
            #expect(doctor.stdout.contains("clock offset in force: +1200 s"), "\(doctor.stdout)")
            #expect(doctor.stdout.contains("FAIL clock"), "\(doctor.stdout)")
            try await proxy.script([])
            let flush = try await world.flush()
            #expect(flush.status == 0, "\(flush.stderr)")
            #expect(try await proxy.log().filter { $0.method == "PUT" }.map { $0.status ?? 0 } == [403, 200])
            #expect(try await world.status()["clock_offset_seconds"] is NSNull)
            #expect(try await world.cli(["doctor"]).status == 0)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("an implausible saved offset (older versions saved any) is ignored and removed")
    func implausibleSavedOffset() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("offset9999 "), endpoint: proxy.url)
            let ids = try world.fill(2)
            try Spool.open(home: world.sandbox.telemetryHome).setMeta(.clockOffsetMs, "250000000000000")
            #expect(try await world.status()["clock_offset_seconds"] is NSNull)
            try await proxy.script([])
            #expect(try await world.flush().status == 0)
            #expect(try await proxy.log().map { $0.status ?? 0 } == [200])
            #expect(try Spool.open(home: world.sandbox.telemetryHome).meta(.clockOffsetMs) == nil)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test(
        "a 1 GiB answer to a PUT is not read: a 200 counts as sent, a 500 is retried; exactly once",
        arguments: ["big200", "big500"])
    func hugeAnswerIsNotBuffered(action: String) async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("\(action) "), endpoint: proxy.url)
            let ids = try world.fill(3)
            try await proxy.script([action])
            let flush = try await world.flush(timeout: Self.harnessBound)
            #expect(flush.status == 0, "\(flush.stderr)")
            let log = try await proxy.waitForLog { $0.first?.ended == true }
            let sent = try #require(log.first?.sent)
            print("\(action): the proxy wrote \(sent >> 10) KiB of the 1 GiB body before the flusher went away")
            #expect(try await proxy.log().map { $0.status ?? 0 } == (action == "big200" ? [200] : [500, 200]))
            #expect(sent < 64 << 20, "the flusher read \(sent) bytes of the answer")
            #expect(try await world.pending() == 0)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("counters and times the flusher reads back from the spool may be anything: no crash, shown as invalid")
    func hostileSpoolValues() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("spoolvalues "), endpoint: proxy.url)
            let ids = try world.fill(2)
            let spool = try Spool.open(home: world.sandbox.telemetryHome)
            try spool.setMeta([
                .lastFlushSuccessMs: String(Int64.min), .lastFlushAttemptMs: String(Int64.max),
                .nextAttemptMs: String(Int64.max), .consecutiveFailures: String(Int64.max),
            ])
            let status = try await world.cli(["status"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("not a valid time"), "\(status.stdout)")
            try await proxy.script(["403denied"])
            let denied = try await world.flush()
            #expect(denied.status == 1 && denied.errorLines.count == 1, "\(denied.stderr)")
            #expect(try await world.cli(["status", "--json"]).status == 0)
            try await proxy.script([])
            #expect(try await world.flush().status == 0)
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a 1 GiB listing to doctor is cut at 16 MiB: one FAIL line, not a buffered gigabyte")
    func hugeListingIsBounded() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("biglist "), endpoint: proxy.url)
            try await proxy.script(["big200"], methods: ["GET"])
            let doctor = try await world.cli(["doctor"], timeout: Self.harnessBound)
            #expect(doctor.status == 1, "\(doctor.stdout)")
            #expect(doctor.stdout.contains("ResponseTooLarge"), "\(doctor.stdout)")
            let log = try await proxy.waitForLog { $0.first?.ended == true }
            let sent = try #require(log.first?.sent)
            print("listing: the proxy wrote \(sent >> 20) MiB of the 1 GiB listing before doctor went away")
            #expect(sent < 96 << 20)
        }
    }

    @Test("escape sequences in a store's error reach neither the terminal nor the saved error")
    func escapesAreStripped() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("escapes "), endpoint: proxy.url)
            try world.fill(2)
            try await proxy.script(["escapes"])
            let flush = try await world.flush()
            #expect(flush.status == 1)
            #expect(flush.errorLines.count == 1, "\(flush.stderr)")
            #expect(flush.stderr.contains("403"), "\(flush.stderr)")
            let status = try await world.cli(["status"])
            let saved = try #require(try await world.status()["last_error"] as? String)
            for text in [flush.stderr, status.stdout, saved] {
                let controls = text.unicodeScalars.filter {
                    ($0.value < 0x20 && $0 != "\n") || (0x7f...0x9f).contains($0.value) || (0x202a...0x202e).contains($0.value)
                }
                #expect(controls.isEmpty, "control characters shown: \(controls.map { String($0.value, radix: 16) })")
            }
            #expect(try await world.pending() == 2)
        }
    }

    @Test("a password in the endpoint URL is never echoed or logged")
    func userInfoIsMasked() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(
            server: server, prefix: FlushWorld.uniquePrefix("userinfo "),
            endpoint: "http://admin:hunter2@127.0.0.1:\(server.url.port!)")
        try world.fill(1)
        let flush = try await world.flush()
        #expect(flush.status == 1)
        #expect(flush.stderr.contains("no user or password allowed"), "\(flush.stderr)")
        let status = try await world.cli(["status"])
        let doctor = try await world.cli(["doctor"])
        let log = (try? String(contentsOfFile: world.sandbox.telemetryHome.logPath, encoding: .utf8)) ?? ""
        for text in [flush.stdout, flush.stderr, status.stdout, status.stderr, doctor.stdout, doctor.stderr, log] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(doctor.stdout.contains("***@127.0.0.1"), "\(doctor.stdout)")
    }

    @Test("only literal loopback addresses and localhost count as loopback for plain http")
    func loopbackIsLiteral() async throws {
        let server = try S3TestServer.requireCurrent()
        let port = server.url.port!
        for host in ["evil.localhost", "localhost.evil.com", "127.0.0.1.nip.io", "2130706433", "127.1"] {
            let world = try FlushWorld(server: server, prefix: "loopback/", endpoint: "http://\(host):\(port)")
            let doctor = try await world.cli(["doctor"])
            #expect(doctor.status == 1)
            #expect(doctor.stdout.contains("plain http to a non-loopback host"), "\(host): \(doctor.stdout)")
        }
        // `localhost` itself and literal addresses are loopback (and reach the server).
        for host in ["localhost", "127.0.0.1"] {
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("loopback "), endpoint: "http://\(host):\(port)")
            let ids = try world.fill(1)
            let flush = try await world.flush()
            #expect(flush.status == 0, "\(host): \(flush.stderr)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
        #expect(S3Endpoint.isLoopback(host: "::1") && S3Endpoint.isLoopback(host: "[0:0:0:0:0:0:0:1]"))
        #expect(S3Endpoint.isLoopback(host: "::ffff:127.0.0.1"))
        #expect(!S3Endpoint.isLoopback(host: "::2") && !S3Endpoint.isLoopback(host: "fe80::1%lo"))
    }
}
