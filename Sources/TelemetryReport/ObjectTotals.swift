/// The figures objects contribute to `ReadStatistics` (and so to the input summary) when merged:
/// what a cached summary of a span of days keeps beside its atoms, and adds back when merged, so
/// a summarised span counts as its objects read one by one would.
struct ObjectTotals: Sendable, Equatable {
    var objects = 0
    var bytes = 0
    var lines = 0
    var events = 0
    var duplicates = 0
    var objectsWithTrailingJunk = 0
    var misplaced = 0
    var erased = 0
    /// By `LineRejection.allCases` order.
    var rejectedLines = [Int](repeating: 0, count: LineRejection.allCases.count)
    /// By `ObjectRejection.allCases` order.
    var rejectedObjects = [Int](repeating: 0, count: ObjectRejection.allCases.count)

    /// Adds what changed in `statistics` since `before` (a merge in between).
    mutating func add(_ statistics: ReadStatistics, since before: ReadStatistics) {
        objects += statistics.objects - before.objects
        bytes += statistics.bytes - before.bytes
        lines += statistics.lines - before.lines
        events += statistics.events - before.events
        duplicates += statistics.duplicates - before.duplicates
        objectsWithTrailingJunk += statistics.objectsWithTrailingJunk - before.objectsWithTrailingJunk
        misplaced += statistics.misplaced - before.misplaced
        erased += statistics.erased - before.erased
        for (index, reason) in LineRejection.allCases.enumerated() {
            rejectedLines[index] += (statistics.rejectedLines[reason] ?? 0) - (before.rejectedLines[reason] ?? 0)
        }
        for (index, reason) in ObjectRejection.allCases.enumerated() {
            rejectedObjects[index] += (statistics.rejectedObjects[reason] ?? 0) - (before.rejectedObjects[reason] ?? 0)
        }
    }

    /// Adds these totals to `statistics`.
    func apply(to statistics: inout ReadStatistics) {
        statistics.objects += objects
        statistics.bytes += bytes
        statistics.lines += lines
        statistics.events += events
        statistics.duplicates += duplicates
        statistics.objectsWithTrailingJunk += objectsWithTrailingJunk
        statistics.misplaced += misplaced
        statistics.erased += erased
        for (index, reason) in LineRejection.allCases.enumerated() where rejectedLines[index] != 0 {
            statistics.rejectedLines[reason, default: 0] += rejectedLines[index]
        }
        for (index, reason) in ObjectRejection.allCases.enumerated() where rejectedObjects[index] != 0 {
            statistics.rejectedObjects[reason, default: 0] += rejectedObjects[index]
        }
    }
}
