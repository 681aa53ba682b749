import ArgumentParser
import TelemetryReport

/// `--from` and the hidden `--page-size` of the commands that read days of the bucket
/// (`report`, `compact`), declared and checked once. Each command declares its own `--to`:
/// `report` ends today by default, `compact` asks for the last day.
struct DayRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First day, included (UTC).", valueName: "YYYY-MM-DD"))
    var from: String

    /// Keys per listing page (tests use small pages to reach the continuation paths).
    @Option(help: .hidden)
    var pageSize: Int?

    func validate() throws {
        if let pageSize, !(1...1000).contains(pageSize) { throw ValidationError("--page-size must be 1…1000") }
    }

    /// The days from `--from` to `to`, both included.
    func range(to: String) throws -> ReportRange {
        try ReportRange(from: from, to: to)
    }

    /// `range(to:)` as a usage error (exit 64) when it is not a range.
    func validateRange(to: String) throws {
        do {
            _ = try range(to: to)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
