import TelemetryCore

/// The days a report covers, both ends included; built from the `--from`/`--to` text with a
/// one-line error for anything that is not a real `YYYY-MM-DD` day or a backwards range.
package struct ReportRange: Sendable, Equatable {
    package let from: CivilDate
    package let to: CivilDate

    /// The longest range a report or a compaction covers: ten years.
    package static let maxDays = 3661

    package init(from: CivilDate, to: CivilDate) throws {
        guard from <= to else {
            throw ReportError.invalidRange("--from \(from) is after --to \(to)")
        }
        guard to.daysSinceEpoch - from.daysSinceEpoch < Self.maxDays else {
            throw ReportError.invalidRange("a range is at most ten years (\(Self.maxDays) days)")
        }
        self.from = from
        self.to = to
    }

    package init(from: String, to: String) throws {
        try self.init(from: try Self.parse(from, option: "--from"), to: try Self.parse(to, option: "--to"))
    }

    /// A real day written `YYYY-MM-DD`, else a one-line error naming the option.
    package static func parse(_ text: String, option: String) throws -> CivilDate {
        guard let date = CivilDate(text) else {
            let shown = String(text.prefix(40).map { $0.isASCII && !$0.isNewline ? $0 : "?" })
            throw ReportError.invalidDate("\(option) \"\(shown)\" is not a date: expected YYYY-MM-DD, a real calendar day")
        }
        return date
    }

    /// Days in the range.
    package var dayCount: Int { to.daysSinceEpoch - from.daysSinceEpoch + 1 }
}

/// A report problem, one line each.
package enum ReportError: Error, Equatable, CustomStringConvertible {
    case invalidDate(String)
    case invalidRange(String)
    case invalidOption(String)
    case store(String)
    case lifecycle(String)
    case cache(String)

    package var description: String {
        switch self {
        case .invalidDate(let m), .invalidRange(let m), .invalidOption(let m), .store(let m), .lifecycle(let m), .cache(let m): m
        }
    }
}
