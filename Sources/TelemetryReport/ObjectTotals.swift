/// The figures objects contribute to `ReadStatistics` (and so to the input summary) when merged:
/// what a cached summary of a span of days keeps beside its atoms, and adds back when merged, so
/// a summarised span counts as its objects read one by one would.
struct ObjectTotals: Sendable, Equatable {
    /// The counters of `ReadStatistics` that merging objects adds to, in the order kept here and
    /// in the cache's encoding (`SummaryCoding`).
    static let counters: [WritableKeyPath<ReadStatistics, Int> & Sendable] = [
        \.objects, \.bytes, \.lines, \.events, \.duplicates, \.objectsWithTrailingJunk, \.misplaced, \.erased,
    ]

    /// By `counters` order.
    var counts = [Int](repeating: 0, count: Self.counters.count)
    /// By `LineRejection.allCases` order.
    var rejectedLines = [Int](repeating: 0, count: LineRejection.allCases.count)
    /// By `ObjectRejection.allCases` order.
    var rejectedObjects = [Int](repeating: 0, count: ObjectRejection.allCases.count)

    /// The total of one of `counters`.
    subscript(_ counter: WritableKeyPath<ReadStatistics, Int>) -> Int {
        get { Self.counters.firstIndex { $0 == counter }.map { counts[$0] } ?? 0 }
        set { if let index = Self.counters.firstIndex(where: { $0 == counter }) { counts[index] = newValue } }
    }

    /// Adds what changed in `statistics` since `before` (a merge in between).
    mutating func add(_ statistics: ReadStatistics, since before: ReadStatistics) {
        for (index, counter) in Self.counters.enumerated() { counts[index] += statistics[keyPath: counter] - before[keyPath: counter] }
        for (index, reason) in LineRejection.allCases.enumerated() {
            rejectedLines[index] += (statistics.rejectedLines[reason] ?? 0) - (before.rejectedLines[reason] ?? 0)
        }
        for (index, reason) in ObjectRejection.allCases.enumerated() {
            rejectedObjects[index] += (statistics.rejectedObjects[reason] ?? 0) - (before.rejectedObjects[reason] ?? 0)
        }
    }

    /// Adds these totals to `statistics`.
    func apply(to statistics: inout ReadStatistics) {
        for (index, counter) in Self.counters.enumerated() { statistics[keyPath: counter] += counts[index] }
        for (index, reason) in LineRejection.allCases.enumerated() where rejectedLines[index] != 0 {
            statistics.rejectedLines[reason, default: 0] += rejectedLines[index]
        }
        for (index, reason) in ObjectRejection.allCases.enumerated() where rejectedObjects[index] != 0 {
            statistics.rejectedObjects[reason, default: 0] += rejectedObjects[index]
        }
    }
}
