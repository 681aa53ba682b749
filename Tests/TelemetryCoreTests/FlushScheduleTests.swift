import Foundation
import Testing
@testable import TelemetryCore
import TelemetryRules
import TelemetryTestSupport

/// When the shim starts a background upload: the interval counts from the last attempt or,
/// before any, from the first recorded event (a new install does not upload at once).
@Suite("The flush schedule")
struct FlushScheduleTests {
    func withSpool(_ body: (Spool) throws -> Void) throws {
        let folder = TemporaryFolder("flush-schedule")
        try body(try Spool.open(home: TelemetryHome(directory: folder.path + "/telemetry")))
    }

    func event() -> Envelope {
        Envelope(
            event: .stop, timestamp: Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds()),
            anonymousID: String(repeating: "a", count: 64), os: "linux 6.1", data: [:])
    }

    @Test func nothingIsDueWithNothingPending() throws {
        try withSpool { (spool: Spool) throws in
            #expect(try FlushSchedule(spool: spool).isDue(intervalSeconds: 0, now: WallClock.nowMilliseconds()) == false)
        }
    }

    @Test func theFirstIntervalCountsFromTheFirstEvent() throws {
        try withSpool { (spool: Spool) throws in
            try spool.record([event()], cap: 100)
            let now = WallClock.nowMilliseconds()
            let schedule = FlushSchedule(spool: spool)
            #expect(try schedule.isDue(intervalSeconds: 3600, now: now) == false)
            // The end of the command being recorded comes before its recording: not due either.
            #expect(try schedule.isDue(intervalSeconds: 3600, now: now - 5_000) == false)
            #expect(try schedule.isDue(intervalSeconds: 0, now: now))
            #expect(try schedule.isDue(intervalSeconds: 3600, now: now + 3_601_000))
            // A later event does not move the start.
            try spool.record([event()], cap: 100)
            #expect(try schedule.isDue(intervalSeconds: 3600, now: now + 3_601_000))
            // Once attempted, the interval counts from the attempt.
            try spool.setMeta(.lastFlushAttemptMs, String(now + 3_601_000))
            #expect(try schedule.isDue(intervalSeconds: 3600, now: now + 3_602_000) == false)
            #expect(try schedule.isDue(intervalSeconds: 3600, now: now + 7_202_000))
        }
    }
}
