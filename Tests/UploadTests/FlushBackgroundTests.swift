import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

/// "Flush on next invocation": the shim starts `cfdev-telemetry flush --background`
/// detached when a flush is due and returns at once; with DO_NOT_TRACK, the kill switch or
/// consent off, nothing is sent.
@Suite(
    "flush: in the background, started by the shim", .requires(.seaweedfs),
    .realS3Server(.seaweedfs))
struct FlushBackgroundTests {
    /// Due at every command; the flusher is the real one beside the shim (not overridden).
    static let due = ["CFDEV_TELEMETRY_FLUSH_INTERVAL": "0", "CFDEV_TELEMETRY_FLUSHER": ""]

    @Test(
        "the shim returns before its background flush is done, and the events land",
        arguments: FlushWorld.Recording.allCases)
    func shimStartsADetachedFlush(recording: FlushWorld.Recording) async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(
                server: server, prefix: FlushWorld.uniquePrefix("background \(recording) "),
                endpoint: proxy.url, extra: Self.due)
            let filled = try world.fill(5)
            // The store takes 10 s to receive the first object: a shim waiting for its flush shows
            // (long enough that a loaded machine's own slowness does not pass for it).
            try await proxy.script(["delay:10000"])
            let (result, shimIDs) = try await world.shim(["push", "app"], recording: recording)
            let logAtReturn = try await proxy.log()
            #expect(result.status == 0)
            #expect(shimIDs.count == (recording == .foreground ? 1 : 0))
            #expect(logAtReturn.allSatisfy { !$0.done }, "the flush was already done when the shim returned")

            // One object, stored once: a PUT the store answered with a 5xx (SeaweedFS does, on a
            // loaded machine) is sent again with the same key and bytes, as the flusher must.
            let deadline = Date().addingTimeInterval(60)
            var log = try await proxy.log()
            while !log.contains(where: { $0.done && $0.status == 200 }) && Date() < deadline {
                try await Task.sleep(nanoseconds: 250_000_000)
                log = try await proxy.log()
            }
            #expect(log.filter { $0.status == 200 }.count == 1, "one PUT stored: \(log.map { "\($0.action) \($0.status ?? 0)" })")
            #expect(log.allSatisfy { $0.path == log[0].path && $0.md5 == log[0].md5 }, "the same object each time")
            #expect(log.dropLast().allSatisfy { ($0.status ?? 0) >= 500 }, "only 5xx answers were retried: \(log.map { $0.status ?? 0 })")
            #expect(try await world.waitForPending(0) == 0, "the background flush did not finish")

            // What landed: the five recorded earlier and the shim's `app_created`, once each.
            let objects = try await world.landed()
            let landed = objects.flatMap { $0.lines ?? [] }.compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let new = landed.filter { !filled.contains($0["event_id"] as? String ?? "") }
            #expect(new.map { $0["event"] as? String } == ["app_created"], "\(new)")
            if recording == .foreground { #expect(new.map { $0["event_id"] as? String } == shimIDs) }
            Landed.verify(
                objects, prefix: world.prefix,
                expected: Set(filled + new.compactMap { $0["event_id"] as? String }))
            let status = try await world.status()
            #expect(status["last_flush"] is String)
            #expect(status["last_error"] is NSNull)
        }
    }

    @Test("nothing is sent", arguments: ["DO_NOT_TRACK", "CFDEV_TELEMETRY_DISABLED", "consent off"])
    func nothingSentWhenTelemetryIsOff(gate: String) async throws {
        let server = try S3TestServer.requireCurrent()
        try await FaultProxy.with(server) { proxy in
            let world = try FlushWorld(
                server: server, prefix: FlushWorld.uniquePrefix("off "), endpoint: proxy.url,
                extra: Self.due)
            // Recorded earlier, while telemetry was on.
            try world.fill(5)
            var gateEnv: [String: String] = [:]
            if gate == "consent off" {
                try world.sandbox.setConsent(.off)
            } else {
                gateEnv[gate] = "1"
            }
            // The default (detached) way and the foreground way.
            for recording in FlushWorld.Recording.allCases {
                let (result, ids) = try await world.shim(["push", "app"], env: gateEnv, recording: recording)
                #expect(result.status == 0)
                #expect(ids.isEmpty)
            }
            let byHand = try await world.flush(env: gateEnv)
            #expect(byHand.status == 0)
            #expect(byHand.stdout.contains("Nothing sent"), "\(byHand.stdout)")
            try await Task.sleep(nanoseconds: 2_000_000_000)
            #expect(try await proxy.log().isEmpty, "something reached the store")
            #expect(try await world.pending() == 5)
            #expect(try await world.listed().isEmpty)
        }
    }
}
