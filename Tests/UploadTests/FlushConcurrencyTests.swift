import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

/// Several `cf` shims recording at once on their own terminals, each due to start a background
/// flush, while flushes are also run by hand over and over (the spool shared by concurrent writers, every event exactly once).
@Suite(
    "flush: concurrent shims while flushes run", .requires(.seaweedfs),
    .realS3Server(.seaweedfs))
struct FlushConcurrencyTests {
    static let workers = 4
    static let commandsPerWorker = 15
    /// Each command with the events it records.
    static let commands: [([String], [String])] = [
        (["push", "app"], ["app_created"]), (["dev", "start"], ["start_begin", "start_end"]),
        (["create-service", "p-mysql", "small", "db"], ["service_created"]), (["dev", "stop"], ["stop"]),
        (["bind-service", "app", "db"], ["app_bound_to_service"]), (["restage", "app"], ["app_restage"]),
    ]

    @Test("every event recorded by concurrent shims lands exactly once")
    func concurrentShimsWhileFlushing() async throws {
        let server = try S3TestServer.requireCurrent()
        let world = try FlushWorld(
            server: server, prefix: FlushWorld.uniquePrefix("concurrent "),
            extra: ["CFDEV_TELEMETRY_FLUSH_INTERVAL": "0", "CFDEV_TELEMETRY_FLUSHER": ProductLocator.cli])
        let shimsDone = Flag()
        var recorded: [String] = []
        var expectedEvents: [String: Int] = [:]
        var expectedForeground = 0
        var handedOffEvents = 0
        var flushStatuses: [Int32] = []
        try await withThrowingTaskGroup(of: Part.self) { group in
            for worker in 0..<Self.workers {
                // Half the shims record the default way (a detached recorder after the command,
                // which also starts the due flush), half in the foreground (debug: IDs known).
                let recording: FlushWorld.Recording = worker % 2 == 0 ? .foreground : .detached
                group.addTask {
                    var ids: [String] = []
                    var handedOff = 0
                    for index in 0..<Self.commandsPerWorker {
                        let (arguments, events) = Self.commands[(worker + index) % Self.commands.count]
                        let (result, got) = try await world.shim(arguments, recording: recording)
                        #expect(result.status == 0, "cf \(arguments.joined(separator: " ")): \(result.stdout)")
                        ids += got
                        // A foreground run that found the spool locked past its bound hands its
                        // events to the detached recorder (and says so when debugging).
                        if result.stdout.contains("recording in the background") { handedOff += events.count }
                    }
                    return .shim(ids, handedOff: handedOff)
                }
                for index in 0..<Self.commandsPerWorker {
                    for event in Self.commands[(worker + index) % Self.commands.count].1 {
                        expectedEvents[event, default: 0] += 1
                        if recording == .foreground { expectedForeground += 1 }
                    }
                }
            }
            group.addTask {
                var statuses: [Int32] = []
                let started = Date()
                while !shimsDone.value && statuses.count < 200 && Date().timeIntervalSince(started) < 120 {
                    let result = try await world.flush(["--max-batch-events", "3"])
                    statuses.append(result.status)
                    if result.status != 0 { Issue.record("flush while shims record: \(result.stderr)") }
                }
                return .flushes(statuses)
            }
            var finishedWorkers = 0
            for try await part in group {
                switch part {
                case .shim(let ids, let handedOff):
                    recorded += ids
                    handedOffEvents += handedOff
                    finishedWorkers += 1
                    if finishedWorkers == Self.workers { shimsDone.set() }
                case .flushes(let statuses):
                    flushStatuses += statuses
                }
            }
        }
        let expectedCount = expectedEvents.values.reduce(0, +)
        #expect(flushStatuses.count >= 2, "flushes ran while the shims recorded: \(flushStatuses.count)")

        // Drain: until a flush by hand gets the lock, nothing is pending and every event is in
        // the bucket (detached recorders and background flushers may still be at work).
        let deadline = Date().addingTimeInterval(60)
        var objects: [S3Read.Object] = []
        var landed: [[String: Any]] = []
        while Date() < deadline {
            let result = try await world.flush()
            #expect(result.status == 0, "\(result.stderr)")
            if !result.stdout.contains("Another flush"), try await world.pending() == 0 {
                objects = try await world.landed()
                landed = objects.flatMap { $0.lines ?? [] }.compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                if landed.count >= expectedCount { break }
            }
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        print(
            "concurrent shims: \(expectedCount) events from \(Self.workers * Self.commandsPerWorker) commands, "
                + "\(flushStatuses.count) flushes by hand meanwhile, \(objects.count) objects")
        #expect(landed.count == expectedCount, "\(landed.count) of \(expectedCount) events landed")
        var landedEvents: [String: Int] = [:]
        for event in landed { landedEvents[event["event"] as? String ?? "?", default: 0] += 1 }
        #expect(landedEvents == expectedEvents)
        let landedIDs = Set(landed.compactMap { $0["event_id"] as? String })
        #expect(Set(recorded).isSubset(of: landedIDs), "events the foreground shims recorded are missing")
        #expect(
            recorded.count + handedOffEvents == expectedForeground,
            "the foreground shims echoed \(recorded.count) of \(expectedForeground), and handed \(handedOffEvents) to the detached recorder")
        // Layout, ETags, days, and each event once.
        Landed.verify(objects, prefix: world.prefix, expected: landedIDs)
        #expect(try await world.status()["last_error"] is NSNull)
    }
}

/// What one task of the concurrency test returns.
enum Part: Sendable {
    case shim([String], handedOff: Int)
    case flushes([Int32])
}

/// A one-way flag shared between tasks.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    var value: Bool { lock.withLock { raised } }
    func set() { lock.withLock { raised = true } }
}
