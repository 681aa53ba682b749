import Foundation

/// The CSV format (RFC 4180, CRLF line ends), one row per cell:
/// `event,os,build,period,events,machines,suppressed`; an empty label means "all", a suppressed
/// row has empty counts. Labels that a spreadsheet would take for a formula are prefixed with `'`.
enum CSVReport {
    static let header = ["event", "os", "build", "period", "events", "machines", "suppressed"]

    static func render(_ report: UsageReport) -> String {
        var lines = [header.joined(separator: ",")]
        for row in report.rows {
            let fields = [
                row.event ?? "", row.os ?? "", row.build ?? "", row.period ?? "",
                row.counts.map { String($0.events) } ?? "", row.counts.map { String($0.machines) } ?? "",
                row.isSuppressed ? "true" : "false",
            ]
            lines.append(fields.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first), Int(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
