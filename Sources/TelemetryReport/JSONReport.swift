import TelemetryCore
import TelemetryRules

/// The JSON format: `{"from","to","by","k","rows":[…],"input":{…}}` with fields in a fixed order
/// (documented in docs/REPORT.md). A suppressed row has `"suppressed": true` and no counts.
enum JSONReport {
    static func render(_ report: UsageReport) -> String {
        var out = "{\n"
        out += "  \"from\": \(string(report.range.from.description)),\n"
        out += "  \"to\": \(string(report.range.to.description)),\n"
        out += "  \"by\": \(string(report.granularity.rawValue)),\n"
        out += "  \"k\": \(report.k),\n"
        out += "  \"rows\": ["
        out += report.rows.map { "\n    " + row($0) }.joined(separator: ",")
        out += report.rows.isEmpty ? "],\n" : "\n  ],\n"
        let input = report.input
        out += "  \"input\": {\"objects\": \(input.objects), \"unreadable_objects\": \(input.unreadableObjects), "
        out += "\"duplicates\": \(input.duplicates), \"malformed_lines\": \(input.malformedLines), "
        out += "\"objects_with_trailing_junk\": \(input.objectsWithTrailingJunk), \"moved_aside_objects\": \(input.movedAside),\n"
        out += "    \"erased\": \(input.erased), \"erasure_requests\": \(input.erasureRequests), "
        out += "\"rejected_erasure_requests\": \(input.rejectedErasureRequests),\n"
        out += "    \"rejected_objects\": {"
        out += ObjectRejection.allCases.map { "\"\($0.rawValue)\": \(input.rejectedObjects[$0] ?? 0)" }.joined(separator: ", ")
        out += "},\n    \"rejected_lines\": {"
        out += LineRejection.allCases.map { "\"\($0.rawValue)\": \(input.rejectedLines[$0] ?? 0)" }.joined(separator: ", ")
        out += "}}\n"
        out += "}\n"
        return out
    }

    static func row(_ row: ReportRow) -> String {
        var fields = [
            "\"event\": \(optional(row.event))", "\"os\": \(optional(row.os))",
            "\"build\": \(optional(row.build))", "\"period\": \(optional(row.period))",
        ]
        if let counts = row.counts {
            fields += ["\"events\": \(counts.events)", "\"machines\": \(counts.machines)", "\"suppressed\": false"]
        } else {
            fields.append("\"suppressed\": true")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func optional(_ value: String?) -> String { value.map(string) ?? "null" }

    /// A JSON string literal, safe to embed in HTML.
    static func string(_ value: String) -> String {
        FlatJSON.string(value, htmlSafe: true)
    }
}
