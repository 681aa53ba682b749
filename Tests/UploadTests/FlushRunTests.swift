import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore
import TelemetryTestSupport
import TelemetryUpload
import Testing

/// The flush policy in the library (`FlushRun`), run in-process on a real spool against a real
/// store: what it sends, what it keeps, what it reports while it runs and how it ends, as the
/// command then says it.
@Suite("flush run: the policy, without the command", .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct FlushRunTests {
    /// What a run asked for and reported, in order.
    final class Heard: @unchecked Sendable {
        var progress: [FlushProgress] = []
        /// When each progress report came.
        var progressTimes: [Date] = []
        var deadline: Date?
        var settingsAsked = 0
    }

    /// Runs `FlushRun` in `world`'s telemetry home with its environment (plus `extra`); the
    /// settings are the client's, without shipped defaults.
    func run(
        _ world: FlushWorld, env extra: [String: String] = [:], options: FlushRun.Options = FlushRun.Options(),
        heard: Heard = Heard(), settings: (() throws -> TelemetrySettings)? = nil
    ) async throws -> FlushRunOutcome {
        let environment = world.sandbox.environment(world.environment.merging(extra) { _, new in new })
        let home = world.sandbox.telemetryHome
        let flush = FlushRun(home: home, environment: environment, log: TelemetryLog(home: home), options: options)
        return try await flush.run(
            settings: {
                heard.settingsAsked += 1
                if let settings { return try settings() }
                return try SettingsLoader.resolve(home: home, environment: environment, audience: .client, shippedDefaults: []).settings
            },
            armDeadline: { heard.deadline = $0 },
            progress: {
                heard.progress.append($0)
                heard.progressTimes.append(Date())
            })
    }

    func pending(_ world: FlushWorld) throws -> Int {
        try Spool.open(home: world.sandbox.telemetryHome).pendingCount()
    }

    /// A pending erasure request for this machine, saved as `forget` saves it.
    func requestErasure(_ world: FlushWorld) throws -> ErasureRecord {
        let id = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let request = try #require(ErasureRequest(anonymousID: id, requestedMs: WallClock.nowMilliseconds()))
        let record = ErasureRecord(request: request)
        try record.save(home: world.sandbox.telemetryHome)
        return record
    }

    @Test("an override and no erasure request: nothing sent, the settings not even read, the events kept")
    func overrideSendsNothing() async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run override "))
        try world.fill(3)
        let heard = Heard()
        let outcome = try await run(world, env: ["DO_NOT_TRACK": "1"], heard: heard)
        #expect(outcome == .nothingSent(.override(.environment(variable: "DO_NOT_TRACK"))))
        #expect(heard.settingsAsked == 0)
        #expect(heard.deadline == nil)
        #expect(heard.progress.isEmpty)
        #expect(try pending(world) == 3)
        #expect(try await world.listed().isEmpty)
    }

    @Test("consent off: nothing sent; no telemetry folder: nothing sent and none made")
    func closedGate() async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run closed "))
        try world.fill(2)
        try world.sandbox.setConsent(.off)
        #expect(try await run(world) == .nothingSent(.telemetryNotOn))
        #expect(try pending(world) == 2)

        let home = world.sandbox.telemetryHome
        try FileManager.default.removeItem(atPath: home.directory)
        let heard = Heard()
        #expect(try await run(world, options: FlushRun.Options(final: true), heard: heard) == .nothingSent(.noTelemetryFolder(directory: home.directory)))
        #expect(heard.settingsAsked == 0)
        #expect(!FileManager.default.fileExists(atPath: home.directory))
        #expect(try await world.listed().isEmpty)
    }

    @Test("events not allowed and an erasure request pending: the request is sent, the events are kept", arguments: ["consent off", "DO_NOT_TRACK"])
    func erasureGoesWhateverTheConsent(gate: String) async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("run erasure "))
        try world.fill(3)
        let record = try requestErasure(world)
        var environment: [String: String] = [:]
        if gate == "consent off" { try world.sandbox.setConsent(.off) } else { environment[gate] = "1" }
        let heard = Heard()
        let outcome = try await run(world, env: environment, heard: heard)

        #expect(outcome == .erasureOnly(erasureFailed: false))
        let key = record.request.key(in: PartitionLayout(prefix: world.prefix))
        #expect(heard.progress.count == 1)
        guard case .erasureSent(let sent, let bucket, let sentKey) = heard.progress.first else {
            Issue.record("not reported as sent: \(heard.progress)")
            return
        }
        #expect(sent.request == record.request && !sent.isPending)
        #expect(bucket == server.bucket && sentKey == key)
        #expect(try ErasureRecord.load(home: world.sandbox.telemetryHome)?.isPending == false)
        #expect(try await world.listed().map(\.key) == [key])
        #expect(try pending(world) == 3)
    }

    @Test("an erasure request the store cannot take: reported at once, kept, and the run says it failed")
    func erasureFailureKept() async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run erasure down "))
        try world.fill(1)
        _ = try requestErasure(world)
        try world.sandbox.setConsent(.off)
        let heard = Heard()
        let outcome = try await run(world, env: ["CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9"], options: FlushRun.Options(timeout: 2), heard: heard)
        #expect(outcome == .erasureOnly(erasureFailed: true))
        guard case .erasureFailed(let why) = heard.progress.first, heard.progress.count == 1 else {
            Issue.record("not reported as failed: \(heard.progress)")
            return
        }
        #expect(!why.isEmpty)
        #expect(try ErasureRecord.load(home: world.sandbox.telemetryHome)?.isPending == true)
        let log = try String(contentsOfFile: world.sandbox.telemetryHome.logPath, encoding: .utf8)
        #expect(log.contains("flush: the erasure request stays pending: \(why)"))
        #expect(try pending(world) == 1)
    }

    @Test("consent on: every event pending at the start is uploaded once, before the deadline it armed")
    func uploadsWhatIsPending() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(server: server, prefix: FlushWorld.uniquePrefix("run upload "))
        let ids = try world.fill(7)
        let started = Date()
        let heard = Heard()
        let outcome = try await run(world, options: FlushRun.Options(timeout: 60, maxBatchEvents: 3, started: started), heard: heard)

        guard case .uploaded(let summary) = outcome else {
            Issue.record("not uploaded: \(outcome)")
            return
        }
        #expect(summary.flushed.events == 7 && summary.flushed.batches == 3 && summary.flushed.failure == nil)
        #expect(summary.pending == 0 && summary.unsentFromStart == 0 && !summary.erasureFailed)
        #expect(summary.bucket == server.bucket && summary.eventsRoot == world.prefix + "events/v1/")
        #expect(heard.deadline == started.addingTimeInterval(60))
        #expect(heard.progress.isEmpty)
        Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids), maxBatchEvents: 3)
    }

    @Test("the store refuses the key: the upload failed, the events stay pending, the failure is saved")
    func storeRefusal() async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run refused "))
        try world.fill(3)
        let outcome = try await run(world, env: ["CFDEV_TELEMETRY_SECRET_ACCESS_KEY": "not-the-secret"], options: FlushRun.Options(timeout: 20))
        guard case .uploadFailed(let why, let flushed, let pending) = outcome else {
            Issue.record("not a failed upload: \(outcome)")
            return
        }
        #expect(flushed.events == 0 && flushed.fatal && flushed.failure == why)
        #expect(pending == 3)
        #expect(try Spool.open(home: world.sandbox.telemetryHome).meta(.lastError)?.contains(why) == true)
        #expect(try await world.listed().isEmpty)
    }

    @Test("settings that cannot be used: thrown, and the log says nothing was sent")
    func unusableSettings() async throws {
        struct Unusable: Error, CustomStringConvertible {
            var description: String { "config.json: not JSON" }
        }
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run settings "))
        try world.fill(1)
        await #expect(throws: Unusable.self) { try await run(world, settings: { throw Unusable() }) }
        let log = try String(contentsOfFile: world.sandbox.telemetryHome.logPath, encoding: .utf8)
        #expect(log.contains("flush: nothing sent: config.json: not JSON"))
        #expect(try pending(world) == 1)
    }

    @Test("in the background, another flush holding the lock: the run ends at once, nothing done")
    func backgroundGivesWay() async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run busy "))
        try world.fill(2)
        let other = try #require(try FlushLock.acquire(home: world.sandbox.telemetryHome))
        let started = Date()
        let heard = Heard()
        let outcome = try await run(world, options: FlushRun.Options(background: true), heard: heard)
        withExtendedLifetime(other) {}
        #expect(outcome == .anotherFlushRunning)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(heard.progress.isEmpty && heard.deadline == nil)
        #expect(try pending(world) == 2)
    }

    @Test("by hand, another flush holding the lock to the end: says so before waiting, then gives up", arguments: [0, 2])
    func byHandWaitsThenGivesUp(events: Int) async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run held "))
        try world.fill(events)
        _ = try Spool.open(home: world.sandbox.telemetryHome)
        let other = try #require(try FlushLock.acquire(home: world.sandbox.telemetryHome))
        let heard = Heard()
        let outcome = try await run(world, options: FlushRun.Options(timeout: 1.5), heard: heard)
        let ended = Date()
        withExtendedLifetime(other) {}

        guard case .waitingForAnotherFlush(let seconds) = heard.progress.first, heard.progress.count == 1 else {
            Issue.record("no wait reported: \(heard.progress)")
            return
        }
        #expect((1...2).contains(seconds))
        // Said before the wait, not after it.
        #expect(ended.timeIntervalSince(heard.progressTimes.first ?? ended) > 0.5)
        #expect(heard.deadline == nil)
        // Nothing pending: the other flush sent it; else what it did not send is counted.
        #expect(outcome == (events == 0 ? .otherFlushSentIt : .anotherFlushStillRunning(waitedSeconds: seconds, unsent: events)))
        #expect(try pending(world) == events)
    }

    @Test("by hand, the other flush lets go during the wait: what is left is sent")
    func byHandSendsWhatIsLeft() async throws {
        let world = try FlushWorld(server: try S3TestServer.requireCurrent(), prefix: FlushWorld.uniquePrefix("run released "))
        let ids = try world.fill(4)
        var other = try FlushLock.acquire(home: world.sandbox.telemetryHome)
        #expect(other != nil)
        let heard = Heard()
        async let outcome = run(world, options: FlushRun.Options(timeout: 60), heard: heard)
        try await Task.sleep(nanoseconds: 500_000_000)
        other = nil
        guard case .uploaded(let summary) = try await outcome else {
            Issue.record("not uploaded after the wait")
            return
        }
        #expect(heard.progress.count == 1)
        if case .waitingForAnotherFlush = heard.progress.first {} else { Issue.record("no wait reported: \(heard.progress)") }
        #expect(summary.flushed.events == 4 && summary.unsentFromStart == 0)
        Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
    }
}
