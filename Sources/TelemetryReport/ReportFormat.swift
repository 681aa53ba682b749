/// The output formats of `cfdev-telemetry report`.
package enum ReportFormat: String, CaseIterable, Sendable {
    case md, csv, json, html

    /// The report as text in this format.
    package func render(_ report: UsageReport) -> String {
        switch self {
        case .md: MarkdownReport.render(report)
        case .csv: CSVReport.render(report)
        case .json: JSONReport.render(report)
        case .html: HTMLReport.render(report)
        }
    }

    /// The format a file name implies (`usage.html` → html), if any.
    package static func inferred(fromFileName name: String) -> ReportFormat? {
        let lower = name.lowercased()
        if lower.hasSuffix(".html") || lower.hasSuffix(".htm") { return .html }
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { return .md }
        return nil
    }
}
