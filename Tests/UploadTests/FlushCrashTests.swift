import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

/// The flusher killed with `kill -9` (every event exactly once, one flusher at a time): nothing is
/// lost or duplicated, an object sent again has the same key and bytes, and a killed flusher
/// never holds up the next one.
@Suite(
    "flush: kill -9 and the flush lock", .serialized, .requires(.seaweedfs),
    .realS3Server(.seaweedfs))
struct FlushCrashTests {
    static let rounds = 30
    /// Events left in the spool before each round: at 10 an object and 20–250 ms a PUT, seconds of work.
    static let minimumPending = 300

    @Test("kill -9 at random moments over many rounds, then one clean flush: every event exactly once")
    func killNineAtRandomMoments() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("crash "), endpoint: proxy.url)
            // Enough that no round finds the spool empty, however fast the machine.
            var ids = try world.fill(2000, days: 3)
            // Slow the store down before or after it stores each object, so that kills land
            // before, during and after PUTs, sealing and deletions.
            let actions = (0..<600).map { _ -> String in
                switch Int.random(in: 0..<10) {
                case 0: return "pass"
                case 1...5: return "slow:\(Int.random(in: 20...250))"
                default: return "delay:\(Int.random(in: 20...250))"
                }
            }
            // Once the script runs out (a loaded machine runs long rounds), every PUT is still
            // held a little, so that a round's flusher is still at work when its kill comes.
            try await proxy.script(actions, default: "slow:100")
            let started = Date()
            var roundsRun = 0
            var killedRunning = 0
            var endedBeforeKill: [Int32] = []
            for round in 0..<Self.rounds {
                guard Date().timeIntervalSince(started) < 120 else { break }
                roundsRun += 1
                // Every round's flusher finds work for longer than the round lasts: a flusher
                // that has drained the spool ends on its own and its kill proves nothing.
                let pending = try await world.pending()
                if pending < Self.minimumPending { ids += try world.fill(Self.minimumPending - pending, days: 3) }
                let requestsBefore = try await proxy.log().count
                let flusher = try world.startFlusher(["--max-batch-events", "10"])
                // Shims keep recording meanwhile in some rounds.
                if round % 3 == 0 { ids += try world.fill(Int.random(in: 1...8)) }
                if round % 2 == 0 {
                    // At a random moment: before, during or after a request.
                    try await Task.sleep(nanoseconds: UInt64.random(in: 10_000_000...600_000_000))
                } else {
                    // Surely mid-run: once its request has reached the store (which holds it).
                    _ = try await proxy.waitForLog(timeout: 30) { $0.count > requestsBefore }
                    try await Task.sleep(nanoseconds: UInt64.random(in: 0...15_000_000))
                }
                if let status = flusher.poll() {
                    endedBeforeKill.append(status)
                } else if flusher.kill9() {
                    killedRunning += 1
                }
            }
            #expect(
                killedRunning >= roundsRun / 2,
                "\(killedRunning) of \(roundsRun) kills landed on a running flusher; the others had ended with wait statuses \(endedBeforeKill)")
            var log = try await proxy.log()

            try await proxy.script([])
            let clean = try await world.flush(["--max-batch-events", "10"])
            #expect(clean.status == 0, "\(clean.stderr)")
            #expect(try await world.pending() == 0)
            log += try await proxy.log()

            let objects = try await world.landed()
            Landed.verify(objects, prefix: world.prefix, expected: Set(ids), maxBatchEvents: 10)
            // Every PUT of a key carried the bytes that finally landed there.
            let etags = Dictionary(uniqueKeysWithValues: objects.map { ($0.key, $0.etag) })
            let puts = Dictionary(grouping: log.filter { $0.method == "PUT" }) {
                Landed.key(ofPath: $0.path, bucket: server.bucket) ?? $0.path
            }
            #expect(Set(puts.keys) == Set(etags.keys), "every object sent landed, and nothing else")
            for (key, tries) in puts {
                #expect(Set(tries.map(\.md5)) == [etags[key] ?? "-"], "\(key) sent with different bytes")
            }
            let resent = puts.values.filter { $0.count > 1 }.count
            #expect(resent > 0, "no kill landed mid-PUT: the test did not exercise the re-send")
            print(
                "kill -9: \(roundsRun) rounds, \(killedRunning) flushers killed while running, "
                    + "\(objects.count) objects, \(resent) re-sent after a kill (same key, same bytes: the store keeps one copy), \(ids.count) events")
        }
    }

    @Test("a second flusher waits (bounded, saying so) and fails with events pending; after kill -9 of the first, the next one gets the lock at once")
    func oneFlusherAtATime() async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("lock "), endpoint: proxy.url)
            let ids = try world.fill(20)
            try await proxy.script(["stall"])
            let first = try world.startFlusher()
            defer { first.kill9() }
            let seen = try await proxy.waitForLog { $0.count >= 1 }
            try #require(seen.count == 1, "the first flusher never reached the store")

            // The stalled one holds the lock for up to its 120 s run: a flush by hand with
            // --timeout 3 waits that long for it, says so, and fails with everything pending.
            let second = try await world.flush(["--timeout", "3"])
            #expect(second.status == 1)
            #expect(second.stdout.contains("Another flush is running; waiting up to 3 s"), "\(second.stdout)")
            #expect(second.stderr.contains("another flush was still running after 3 s; 20 events not sent yet"), "\(second.stderr)")
            #expect(try await world.pending() == 20)
            #expect(try await proxy.log().count == 1, "the waiting flush sent nothing")

            #expect(first.kill9(), "the first flusher should still be stalled")
            let third = try await world.flush()
            // A killed flusher's lock is gone with it: no wait for a lease to expire.
            #expect(!third.stdout.contains("Another flush"), "\(third.stdout)")
            #expect(third.status == 0, "\(third.stderr)")
            #expect(third.stdout.contains("Uploaded 20 events"), "\(third.stdout)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }
}
