import Foundation
import Testing
@testable import TelemetryCore
import TelemetryTestSupport

@Suite("The spool: private files, cap, batches, corruption")
struct SpoolTests {
    let folder = TemporaryFolder("spool-tests")
    var home: TelemetryHome { TelemetryHome(directory: folder.path + "/telemetry") }

    func envelope(_ event: EventName = .stop, day: String = "2026-11-23", ms: Int = 0) -> Envelope {
        Envelope(event: event, timestamp: "\(day)T10:00:00.\(String(format: "%03d", ms % 1000))Z", anonymousID: "a", os: "linux 6.1")
    }

    @Test func filesArePrivate() throws {
        let spool = try Spool.open(home: home)
        try spool.record([envelope()], cap: 10)
        var info = stat()
        stat(home.directory, &info)
        #expect(info.st_mode & 0o777 == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: home.directory) {
            stat(home.directory + "/" + name, &info)
            #expect(info.st_mode & 0o777 == 0o600, "\(name)")
        }
    }

    @Test func capDropsOldestAndCounts() throws {
        let spool = try Spool.open(home: home)
        let envelopes = (0..<15).map { envelope(ms: $0) }
        for envelope in envelopes { try spool.record([envelope], cap: 10) }
        #expect(try spool.pendingCount() == 10)
        #expect(try spool.droppedCounts() == (unreported: 5, total: 5))
        let kept = try spool.pendingLines()
        #expect(kept.first == envelopes[5].jsonLine)
        #expect(kept.last == envelopes[14].jsonLine)
    }

    /// A count near `Int.max` (an edited spool) saturates at the cap instead of trapping in the
    /// shim; a negative one counts from 0.
    @Test func absurdDropCountsSaturate() throws {
        let spool = try Spool.open(home: home)
        try spool.setMeta(.droppedUnreported, String(Int.max - 1))
        try spool.setMeta(.droppedTotal, "-7")
        for ms in 0..<4 { try spool.record([envelope(ms: ms)], cap: 1) }
        #expect(try spool.droppedCounts() == (unreported: Int.max, total: 3))
        #expect(try spool.pendingCount() == 1)
    }

    @Test func batchesHoldOneDayWithinLimits() throws {
        let spool = try Spool.open(home: home)
        try spool.record((0..<5).map { envelope(day: "2026-11-22", ms: $0) } + (0..<3).map { envelope(day: "2026-11-23", ms: $0) }, cap: 100)
        let limits = BatchLimits(maxEvents: 3, maxBytes: 1 << 20)
        var batches: [SealedBatch] = []
        while let batch = try spool.sealNextBatch(limits: limits, layout: PartitionLayout(prefix: "p/"), makeBody: { Data($0) }) { batches.append(batch) }
        #expect(batches.map(\.day) == ["2026-11-22", "2026-11-22", "2026-11-23"])
        #expect(batches.map(\.eventCount) == [3, 2, 3])
        #expect(batches[0].objectKey.hasPrefix("p/events/v1/dt=2026-11-22/"))
        #expect(batches[0].objectKey.hasSuffix(".ndjson.gz"))
        #expect(try spool.sealedBatches().map(\.id) == batches.map(\.id))
        #expect(String(decoding: batches[2].body, as: UTF8.self).split(separator: "\n").count == 3)
        try spool.completeBatch(id: batches[0].id)
        #expect(try spool.pendingCount() == 5)
        #expect(try spool.sealedBatches().count == 2)
    }

    @Test func batchBytesAreBounded() throws {
        let spool = try Spool.open(home: home)
        try spool.record((0..<10).map { envelope(ms: $0) }, cap: 100)
        let lineBytes = envelope().jsonLine.utf8.count + 1
        let batch = try #require(try spool.sealNextBatch(limits: BatchLimits(maxEvents: 100, maxBytes: lineBytes * 4 + 1), layout: PartitionLayout(prefix: ""), makeBody: { Data($0) }))
        #expect(batch.eventCount == 4)
        #expect(batch.body.count <= lineBytes * 4 + 1)
    }

    @Test func droppedCountTravelsWithNextBatch() throws {
        let spool = try Spool.open(home: home)
        for ms in 0..<4 { try spool.record([envelope(ms: ms)], cap: 2) }
        let batch = try #require(try spool.sealNextBatch(limits: BatchLimits(maxEvents: 10, maxBytes: 1 << 20), layout: PartitionLayout(prefix: ""), makeBody: { Data($0) }))
        #expect(batch.droppedReported == 2)
        #expect(try spool.droppedCounts() == (unreported: 0, total: 2))
    }

    @Test func sealedEventsAreNeverDroppedAtTheCap() throws {
        let spool = try Spool.open(home: home)
        try spool.record((0..<3).map { envelope(ms: $0) }, cap: 3)
        let batch = try #require(try spool.sealNextBatch(limits: BatchLimits(maxEvents: 10, maxBytes: 1 << 20), layout: PartitionLayout(prefix: ""), makeBody: { Data($0) }))
        try spool.record((3..<6).map { envelope(ms: $0) }, cap: 3)
        #expect(try spool.sealedBatches().first == batch)
        #expect(try spool.pendingCount() == 3)
    }

    @Test func purgeDeletesEverything() throws {
        let spool = try Spool.open(home: home)
        try spool.record((0..<3).map { envelope(ms: $0) }, cap: 10)
        _ = try spool.sealNextBatch(limits: BatchLimits(maxEvents: 1, maxBytes: 1 << 20), layout: PartitionLayout(prefix: ""), makeBody: { Data($0) })
        #expect(try spool.purge() == 3)
        #expect(try spool.pendingCount() == 0)
        #expect(try spool.sealedBatches().isEmpty)
    }

    @Test func randomBytesAreMovedAsideAndRecreated() throws {
        try home.ensureExists()
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try garbage.write(to: URL(fileURLWithPath: home.spoolPath))
        let spool = try Spool.open(home: home)
        try spool.record([envelope()], cap: 10)
        #expect(try spool.pendingCount() == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: home.directory)
        let aside = try #require(names.first { $0.hasPrefix("spool.sqlite.corrupt-") })
        #expect(FileManager.default.contents(atPath: home.directory + "/" + aside) == garbage)
    }
}
