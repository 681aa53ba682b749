import TelemetryCore

/// The days of one period of a report that its range covers (a whole period, or the part of it
/// the range's ends cut): the unit the report's cache summarises. A summary is kept under its
/// exact first and last day, so a range that cuts a period differently finds none.
struct DaySpan: Sendable, Equatable {
    var first: CivilDate
    var last: CivilDate

    var dayCount: Int { last.daysSinceEpoch - first.daysSinceEpoch + 1 }

    func contains(_ day: CivilDate) -> Bool { first <= day && day <= last }

    /// The day's offset from `first`.
    func offset(of day: CivilDate) -> Int { day.daysSinceEpoch - first.daysSinceEpoch }

    /// The spans of `range` under `granularity`, in order.
    static func spans(of range: ReportRange, granularity: PeriodGranularity) -> [DaySpan] {
        var spans: [DaySpan] = []
        var key = ""
        var day = range.from
        while day <= range.to {
            let dayKey = granularity.key(for: day)
            if spans.isEmpty || dayKey != key {
                spans.append(DaySpan(first: day, last: day))
                key = dayKey
            } else {
                spans[spans.count - 1].last = day
            }
            day = day.adding(days: 1)
        }
        return spans
    }
}
