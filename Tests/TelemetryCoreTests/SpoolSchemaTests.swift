import Foundation
import GRDB
import Testing
@testable import TelemetryCore
import TelemetryTestSupport

/// The spool's schema over releases and racing first opens. (The schema is checked and
/// migrated in one immediate transaction, not with GRDB's `DatabaseMigrator`: the migrator
/// checks what is applied outside its write transaction, and racing first opens of a new
/// spool then failed 2 of 17 runs of `racingFirstOpens` (0 of 20 as it is); GRDB's guide to
/// sharing a database asks for file coordination around it.)
@Suite("The spool's schema")
struct SpoolSchemaTests {
    let folder = TemporaryFolder("spool-schema")
    var home: TelemetryHome { TelemetryHome(directory: folder.path + "/telemetry") }

    func envelope(_ ms: Int) -> Envelope {
        Envelope(
            event: .stop, timestamp: "2026-11-23T10:00:00.\(String(format: "%03d", ms % 1000))Z", anonymousID: "a", os: "linux 6.1")
    }

    @Test("a spool of a later schema is not read by this one")
    func laterSchemaIsNotRead() throws {
        try Spool.open(home: home).record([envelope(1)], cap: 10)
        #expect(try Spool.openExisting(home: home)?.pendingCount() == 1)
        try Spool.open(home: home).queue.write { db in try db.execute(sql: "PRAGMA user_version = \(SpoolSchema.latestVersion + 1)") }
        #expect(try Spool.openExisting(home: home) == nil)
    }

    @Test("many first opens at once, each its own connection: one schema, every event kept")
    func racingFirstOpens() throws {
        let opens = 12
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: opens) { index in
            do {
                try Spool.open(home: home).record([envelope(index)], cap: 100)
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty)
        #expect(try Spool.open(home: home).pendingCount() == opens)
    }
}

/// Errors gathered from concurrent work.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String) { lock.withLock { list.append(failure) } }
    var all: [String] { lock.withLock { list } }
}
