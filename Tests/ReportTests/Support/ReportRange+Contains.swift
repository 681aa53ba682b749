import TelemetryCore
import TelemetryReport

extension ReportRange {
    /// Whether `date` is one of the range's days.
    func contains(_ date: CivilDate) -> Bool { from <= date && date <= to }
}
