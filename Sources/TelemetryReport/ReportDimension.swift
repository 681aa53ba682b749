/// A dimension a report row can be broken down by; a row's `nil` value means "all".
public enum ReportDimension: String, CaseIterable, Sendable {
    case event, os, build, period

    /// The breakdowns every report publishes: the overall total, each dimension alone, and each
    /// of event, OS and build per period (for the charts).
    public static let publishedGroupings: [[ReportDimension]] = [
        [], [.event], [.period], [.os], [.build], [.event, .period], [.os, .period], [.build, .period],
    ]
}

/// The interned labels of one combination of dimensions; -1 stands for "all".
struct CellKey: Hashable {
    var event: Int32
    var os: Int32
    var build: Int32
    var period: Int32
}

/// What the aggregator keeps per distinct (event, OS, build, period, machine): the number of
/// events. Memory grows with machines and what each did, not with the number of events read.
struct Atom: Hashable {
    var event: Int32
    var os: Int32
    var build: Int32
    var period: Int32
    var machine: Int32

    func cell(_ grouping: [ReportDimension]) -> CellKey {
        CellKey(
            event: grouping.contains(.event) ? event : -1, os: grouping.contains(.os) ? os : -1,
            build: grouping.contains(.build) ? build : -1, period: grouping.contains(.period) ? period : -1)
    }
}

/// Strings to small integers and back, in first-seen order.
struct Interner {
    private(set) var values: [String] = []
    private var indices: [String: Int32] = [:]

    mutating func index(_ value: String) -> Int32 {
        if let index = indices[value] { return index }
        let index = Int32(values.count)
        values.append(value)
        indices[value] = index
        return index
    }

    subscript(index: Int32) -> String { values[Int(index)] }
}
