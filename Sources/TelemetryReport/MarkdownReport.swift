/// The Markdown format: a heading, the overall line, then one GitHub-flavoured table per
/// breakdown; suppressed cells show `—`.
enum MarkdownReport {
    static func render(_ report: UsageReport) -> String {
        let period = TextFormatting.periodTitle(report.granularity)
        var out = "# CF Dev usage, \(report.range.from) to \(report.range.to)\n\n"
        out += "Counted by \(report.granularity.rawValue) (UTC). "
        out += "A cell counted over fewer than \(report.k) distinct machines is withheld (—), "
        out += "and its events are left out of every other number, totals included.\n\n"
        if let overall = report.overall, let counts = overall.counts {
            out += "**Overall:** \(TextFormatting.grouped(counts.events)) events from "
            out += "\(TextFormatting.grouped(counts.machines)) machines.\n\n"
        } else if report.overall != nil {
            out += "**Overall:** withheld (fewer than \(report.k) machines in this period).\n\n"
        } else {
            out += "**Overall:** no events in this period.\n\n"
        }
        out += table("Events by type", ["Event"], report.rows(by: [.event])) { [code($0.event)] }
        out += table("Per \(report.granularity.rawValue)", [period], report.rows(by: [.period])) { [$0.period ?? ""] }
        out += table("Operating systems", ["OS"], report.rows(by: [.os])) { [TextFormatting.markdown($0.os ?? "")] }
        out += table("Builds", ["Build"], report.rows(by: [.build])) { [TextFormatting.markdown($0.build ?? "")] }
        out += table("Events per \(report.granularity.rawValue) by type", [period, "Event"], report.rows(by: [.event, .period])) {
            [$0.period ?? "", code($0.event)]
        }
        out += table("Operating systems per \(report.granularity.rawValue)", [period, "OS"], report.rows(by: [.os, .period])) {
            [$0.period ?? "", TextFormatting.markdown($0.os ?? "")]
        }
        out += table("Builds per \(report.granularity.rawValue)", [period, "Build"], report.rows(by: [.build, .period])) {
            [$0.period ?? "", TextFormatting.markdown($0.build ?? "")]
        }
        out += "_" + InputNote.text(report.input) + "_\n"
        return out
    }

    static func code(_ label: String?) -> String { "`\(label ?? "")`" }

    static func table(_ title: String, _ labels: [String], _ rows: [ReportRow], _ cells: (ReportRow) -> [String]) -> String {
        guard !rows.isEmpty else { return "" }
        var out = "## \(title)\n\n"
        out += "| " + (labels + ["Events", "Machines"]).joined(separator: " | ") + " |\n"
        out += "|" + labels.map { _ in " --- |" }.joined() + " ---: | ---: |\n"
        for row in rows {
            let counts = row.counts.map { [TextFormatting.grouped($0.events), TextFormatting.grouped($0.machines)] } ?? ["—", "—"]
            out += "| " + (cells(row) + counts).joined(separator: " | ") + " |\n"
        }
        return out + "\n"
    }
}

/// The closing line on what was read: objects, duplicates, and what was rejected by reason.
enum InputNote {
    static func text(_ input: InputSummary) -> String {
        func plural(_ n: Int, _ word: String) -> String { "\(TextFormatting.grouped(n)) \(word)\(n == 1 ? "" : "s")" }
        var parts = ["Read \(plural(input.objects, "object"))"]
        if input.unreadableObjects > 0 {
            let reasons = ObjectRejection.allCases.compactMap { reason in
                input.rejectedObjects[reason].map { "\(TextFormatting.grouped($0)) \(reason.rawValue.replacingOccurrences(of: "_", with: " "))" }
            }
            parts.append("\(plural(input.unreadableObjects, "unreadable object")) skipped (\(reasons.joined(separator: ", ")))")
        }
        if input.objectsWithTrailingJunk > 0 {
            parts.append("\(plural(input.objectsWithTrailingJunk, "object")) with junk after its gzip data (the data before it counted)")
        }
        if input.movedAside > 0 {
            parts.append("\(plural(input.movedAside, "unreadable object")) moved aside under rejected/ earlier (not read)")
        }
        if input.erasureRequests > 0 || input.erased > 0 {
            parts.append("\(plural(input.erased, "event")) erased at their machines' request (\(plural(input.erasureRequests, "erasure request")))")
        }
        if input.rejectedErasureRequests > 0 {
            parts.append("\(plural(input.rejectedErasureRequests, "object")) under erasures/ not a valid request (ignored)")
        }
        parts.append("\(plural(input.duplicates, "duplicate event")) counted once")
        var malformed = "\(plural(input.malformedLines, "malformed line")) skipped"
        if input.malformedLines > 0 {
            let reasons = LineRejection.allCases.compactMap { reason in
                input.rejectedLines[reason].map { "\(TextFormatting.grouped($0)) \(reason.rawValue.replacingOccurrences(of: "_", with: " "))" }
            }
            malformed += " (\(reasons.joined(separator: ", ")))"
        }
        parts.append(malformed)
        return parts.joined(separator: "; ") + "."
    }
}
