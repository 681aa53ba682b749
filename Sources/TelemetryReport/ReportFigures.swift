/// The series the HTML charts draw, derived from the published rows only (suppressed cells
/// contribute nothing, so every stack adds up to its published total).
struct ReportFigures {
    static let palette = [
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    ]
    static let otherColor = "#c3c8d0"

    let report: UsageReport
    let periods: [String]
    let periodIndex: [String: Int]

    init(_ report: UsageReport) {
        self.report = report
        periods = report.periods
        periodIndex = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($0.element, $0.offset) })
    }

    /// Periods whose own row is suppressed.
    var withheldPeriods: Set<Int> {
        Set(report.rows(by: [.period]).filter(\.isSuppressed).compactMap { $0.period.flatMap { periodIndex[$0] } })
    }

    /// Published rows of one dimension, most events first.
    func ranked(_ dimension: ReportDimension, by measure: (ReportRow.Counts) -> Int) -> [(label: String, counts: ReportRow.Counts)] {
        report.rows(by: [dimension]).compactMap { row in
            guard let counts = row.counts, let label = Self.label(row, dimension) else { return nil }
            return (label, counts)
        }.sorted { measure($0.counts) != measure($1.counts) ? measure($0.counts) > measure($1.counts) : $0.label < $1.label }
    }

    /// One series per top label of `dimension` (per period), the rest summed as "other".
    /// `byVersion` orders the leaders newest version first (for builds) instead of by size.
    func perPeriodSeries(
        _ dimension: ReportDimension, top: Int, measure: (ReportRow.Counts) -> Int, otherName: String, byVersion: Bool = false
    ) -> [ChartSeries] {
        var leaders = ranked(dimension, by: measure).prefix(top).map(\.label)
        if byVersion { leaders.sort { Self.versionPrecedes($1, $0) } }
        var series = leaders.enumerated().map {
            ChartSeries(name: $0.element, color: Self.palette[$0.offset % Self.palette.count], values: Array(repeating: nil, count: periods.count))
        }
        let position = Dictionary(uniqueKeysWithValues: leaders.enumerated().map { ($0.element, $0.offset) })
        var other = ChartSeries(name: otherName, color: Self.otherColor, values: Array(repeating: nil, count: periods.count))
        for row in report.rows(by: [dimension, .period]) {
            guard let counts = row.counts, let label = Self.label(row, dimension), let period = row.period,
                let index = periodIndex[period]
            else { continue }
            let value = Double(measure(counts))
            if let slot = position[label] {
                series[slot].values[index] = (series[slot].values[index] ?? 0) + value
            } else {
                other.values[index] = (other.values[index] ?? 0) + value
            }
        }
        if other.values.contains(where: { $0 != nil }) { series.append(other) }
        return series
    }

    /// Machines per period (nil where none were published).
    var machinesPerPeriod: [Double?] {
        var values = [Double?](repeating: nil, count: periods.count)
        for row in report.rows(by: [.period]) {
            if let counts = row.counts, let period = row.period, let index = periodIndex[period] {
                values[index] = Double(counts.machines)
            }
        }
        // A period without any event had no active machine: zero, not a gap.
        let withheld = withheldPeriods
        for index in values.indices where values[index] == nil && !withheld.contains(index) { values[index] = 0 }
        return values
    }

    /// `1.10.0` after `1.9.2`: numeric parts compared as numbers.
    static func versionPrecedes(_ a: String, _ b: String) -> Bool {
        let parts = { (text: String) in text.split(whereSeparator: { !$0.isNumber }).map { Int($0) ?? 0 } }
        let (x, y) = (parts(a), parts(b))
        return x != y ? x.lexicographicallyPrecedes(y) : a < b
    }

    static func label(_ row: ReportRow, _ dimension: ReportDimension) -> String? {
        switch dimension {
        case .event: row.event
        case .os: row.os
        case .build: row.build
        case .period: row.period
        }
    }
}
