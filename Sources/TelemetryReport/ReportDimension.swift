/// A dimension a report row can be broken down by; a row's `nil` value means "all".
package enum ReportDimension: String, CaseIterable, Sendable {
    case event, os, build, period

    /// The breakdowns every report publishes: the overall total, each dimension alone, and each
    /// of event, OS and build per period (for the charts).
    package static let publishedGroupings: [[ReportDimension]] = [
        [], [.event], [.period], [.os], [.build], [.event, .period], [.os, .period], [.build, .period],
    ]
}

/// The interned labels of one combination of dimensions; -1 stands for "all". An atom (see
/// `AtomTable`) names the full combination (event, OS, build, period) it counts.
struct CellKey: Hashable {
    var event: Int32
    var os: Int32
    var build: Int32
    var period: Int32
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

    /// The index of `labels[local]` (an object's or a summary's own label table), interned once:
    /// `resolved` keeps what each local index resolved to (-1: not yet).
    mutating func index(_ local: UInt32, of labels: [String], resolved: inout [Int32]) -> Int32 {
        let slot = Int(local)
        if resolved[slot] < 0 { resolved[slot] = index(labels[slot]) }
        return resolved[slot]
    }
}
