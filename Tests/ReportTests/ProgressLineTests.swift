import TelemetryCore
@testable import TelemetryReport
@testable import cfdev_telemetry
import Testing

/// The progress line of a long report: where it is, what was read, the rate and the time left.
@Suite("Report progress line")
struct ProgressLineTests {
    @Test func showsObjectsEventsRateAndTimeLeft() {
        var statistics = ReadStatistics()
        statistics.objects = 1500
        statistics.events = 225_000
        statistics.bytes = 21_000_000
        let progress = BucketReader.Progress(
            statistics: statistics, day: CivilDate("2026-01-15")!, daysDone: 15, days: 60, objectsListed: 1500, objectsDone: 1500)
        let line = ReadProgressLine.text(progress, elapsed: 10, bucket: "team", root: "events/v1/")
        #expect(line == "Reading s3://team/events/v1/ dt=2026-01-15: 1,500 objects, 225,000 events, 21.0 MB, 22,500 events/s, about 30 s left")
        let start = BucketReader.Progress(statistics: ReadStatistics(), day: CivilDate("2026-01-01")!, daysDone: 0, days: 60, objectsListed: 0, objectsDone: 0)
        #expect(!ReadProgressLine.text(start, elapsed: 1, bucket: "team", root: "events/v1/").contains("left"))
        #expect(ReadProgressLine.duration(4000) == "1 h 6 min")
    }
}
