import TelemetryCore

/// How events are grouped in time: `--by day|week|month|quarter`.
package enum PeriodGranularity: String, CaseIterable, Sendable {
    case day, week, month, quarter

    /// The period a day belongs to: `2026-11-23`, `2026-W48` (ISO week), `2026-11`, `2026-Q4`.
    package func key(for date: CivilDate) -> String {
        switch self {
        case .day:
            return date.description
        case .week:
            let week = date.isoWeek
            return CivilDate.pad(week.year, 4) + "-W" + CivilDate.pad(week.week, 2)
        case .month:
            return CivilDate.pad(date.year, 4) + "-" + CivilDate.pad(date.month, 2)
        case .quarter:
            return CivilDate.pad(date.year, 4) + "-Q" + String((date.month - 1) / 3 + 1)
        }
    }

    /// Every period that overlaps the range, in order (the first and last may be partial).
    package func periods(in range: ReportRange) -> [String] {
        var keys: [String] = []
        var day = range.from
        while day <= range.to {
            let key = self.key(for: day)
            if keys.last != key { keys.append(key) }
            day = day.adding(days: 1)
        }
        return keys
    }
}

extension PeriodGranularity {
    /// The default for a range: days up to a month, weeks up to half a year, months beyond.
    package static func automatic(for range: ReportRange) -> PeriodGranularity {
        range.dayCount <= 31 ? .day : range.dayCount <= 183 ? .week : .month
    }
}
