import Foundation
import TelemetryReport

/// The progress line of a long report on a terminal: where it is, objects and events read, the
/// rate, and the time left estimated from the share of the range's days read so far (the part of
/// the current day counted by its listed objects).
enum ReadProgressLine {
    static func text(_ progress: BucketReader.Progress, elapsed: TimeInterval, bucket: String, root: String) -> String {
        let statistics = progress.statistics
        var line = "Reading s3://\(bucket)/\(root) dt=\(progress.day): \(statistics.summary)"
        guard elapsed > 0 else { return line }
        let rate = Double(statistics.events) / elapsed
        line += ", \(TextFormatting.grouped(Int(rate.rounded()))) events/s"
        let pendingInDay = max(0, progress.objectsListed - progress.objectsDone)
        let share = (Double(progress.daysDone) + (pendingInDay > 0 ? 0.5 : 0)) / Double(max(1, progress.days))
        if share > 0.01 && share < 1 {
            line += ", about \(duration(elapsed * (1 - share) / share)) left"
        }
        return line
    }

    /// `42 s`, `3 min`, `1 h 5 min`.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        if total < 90 { return "\(total) s" }
        if total < 3600 { return "\(Int((Double(total) / 60).rounded())) min" }
        return "\(total / 3600) h \((total % 3600) / 60) min"
    }
}
