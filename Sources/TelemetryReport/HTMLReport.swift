/// The HTML format: one self-contained page (inline CSS and SVG, no script, no external
/// resource of any kind) with the headline numbers, charts, and every table in `<details>`.
enum HTMLReport {
    static func render(_ report: UsageReport) -> String {
        let figures = ReportFigures(report)
        let noun = report.granularity.rawValue
        let html = TextFormatting.html
        var body = "<header><h1>CF Dev usage</h1>"
        body += "<p class=\"sub\">\(report.range.from) to \(report.range.to) (UTC) · by \(noun) · "
        body += "cells from fewer than \(report.k) machines withheld</p></header>\n"
        body += headline(report, figures)
        if report.rows.allSatisfy(\.isSuppressed) {
            body += "<section class=\"card empty\"><p>"
            body +=
                report.rows.isEmpty
                ? "No events were uploaded in this period."
                : "Everything in this period is withheld: fewer than \(report.k) machines would be behind any number shown."
            body += "</p></section>\n"
        } else {
            let eventSeries = figures.perPeriodSeries(.event, top: 8, measure: \.events, otherName: "other events")
            body += card(
                "Events per \(noun), by type",
                "Each column is one \(noun); colours are the most used event types.",
                SVGChart.stackedColumns(
                    categories: figures.periods, series: eventSeries, withheld: figures.withheldPeriods, percent: false,
                    unit: "events", label: "Events per \(noun) by event type") + legend(eventSeries))
            body += card(
                "Active machines per \(noun)", "Distinct machines that recorded at least one event in the \(noun).",
                SVGChart.line(
                    categories: figures.periods, values: figures.machinesPerPeriod, withheld: figures.withheldPeriods,
                    color: "#4e79a7", unit: "machines", label: "Active machines per \(noun)"))
            body += "<div class=\"pair\">"
            body += card("Operating systems", "Share of machines on each OS version.", osBars(figures), wide: false)
            body += card("Event types", "Events of each type, with the machines behind them.", eventBars(figures), wide: false)
            body += "</div>\n"
            let buildSeries = figures.perPeriodSeries(.build, top: 6, measure: \.machines, otherName: "other builds", byVersion: true)
            body += card(
                "Build adoption", "Share of each \(noun)'s machines on each build of the CLI.",
                SVGChart.stackedColumns(
                    categories: figures.periods, series: buildSeries, withheld: figures.withheldPeriods, percent: true,
                    unit: "machines", label: "Share of machines per build per \(noun)") + legend(buildSeries))
        }
        body += tables(report)
        body += "<footer><p>Anonymous, opt-in usage data of <code>cf dev</code>. Machines are counted by an anonymous "
        body += "ID that is never shown. A cell counted over fewer than \(report.k) distinct machines is withheld "
        body += "(<span class=\"withheld\">—</span>, hatched in charts), and its events are left out of every other number, "
        body += "totals included, so that no withheld cell can be worked out from the others.</p>"
        body += "<p>\(html(InputNote.text(report.input)))</p></footer>"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>CF Dev usage, \(report.range.from) to \(report.range.to)</title>
            <style>\(style)</style>
            </head>
            <body>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    static func headline(_ report: UsageReport, _ figures: ReportFigures) -> String {
        let overall = report.overall?.counts
        let topEvent = figures.ranked(.event, by: \.machines).first
        let topOS = figures.ranked(.os, by: \.machines).first
        var items: [(String, String, String)] = [
            ("Events", overall.map { TextFormatting.grouped($0.events) } ?? "—", "in the period"),
            ("Machines", overall.map { TextFormatting.grouped($0.machines) } ?? "—", "distinct, anonymous"),
        ]
        if let topEvent, let overall {
            items.append(("Most used", topEvent.label, "by \(TextFormatting.percent(Double(topEvent.counts.machines) / Double(max(overall.machines, 1)))) of machines"))
        }
        if let topOS, let overall {
            items.append(("Top OS", topOS.label, "\(TextFormatting.percent(Double(topOS.counts.machines) / Double(max(overall.machines, 1)))) of machines"))
        }
        return "<section class=\"kpis\">"
            + items.map { title, value, note in
                "<div class=\"kpi\"><div class=\"kpi-title\">\(title)</div><div class=\"kpi-value\">\(TextFormatting.html(value))</div>"
                    + "<div class=\"kpi-note\">\(TextFormatting.html(note))</div></div>"
            }.joined() + "</section>\n"
    }

    static func card(_ title: String, _ note: String, _ content: String, wide: Bool = true) -> String {
        "<section class=\"card\(wide ? "" : " half")\"><h2>\(TextFormatting.html(title))</h2>"
            + "<p class=\"note\">\(TextFormatting.html(note))</p>\(content)</section>\n"
    }

    static func legend(_ series: [ChartSeries]) -> String {
        "<ul class=\"legend\">"
            + series.map {
                "<li><span class=\"swatch\" style=\"background:\($0.color)\"></span>\(TextFormatting.html($0.name))</li>"
            }.joined() + "<li><span class=\"swatch hatched\"></span>withheld</li></ul>"
    }

    static func osBars(_ figures: ReportFigures) -> String {
        let ranked = figures.ranked(.os, by: \.machines)
        let total = ranked.reduce(0) { $0 + $1.counts.machines }
        var items = ranked.prefix(10).enumerated().map { index, entry in
            (
                label: entry.label, value: Double(entry.counts.machines),
                note: "\(TextFormatting.grouped(entry.counts.machines)) · \(TextFormatting.percent(Double(entry.counts.machines) / Double(max(total, 1))))",
                color: ReportFigures.palette[index % ReportFigures.palette.count]
            )
        }
        let rest = ranked.dropFirst(10).reduce(0) { $0 + $1.counts.machines }
        if rest > 0 {
            items.append(
                (label: "other", value: Double(rest), note: "\(TextFormatting.grouped(rest)) · \(TextFormatting.percent(Double(rest) / Double(max(total, 1))))", color: ReportFigures.otherColor))
        }
        let withheld = figures.report.rows(by: [.os]).filter(\.isSuppressed).count
        return SVGChart.horizontalBars(items, label: "Machines per operating system")
            + (withheld > 0 ? "<p class=\"note\">\(withheld) more OS version\(withheld == 1 ? "" : "s") withheld.</p>" : "")
    }

    static func eventBars(_ figures: ReportFigures) -> String {
        let ranked = figures.ranked(.event, by: \.events)
        let items = ranked.enumerated().map { index, entry in
            (
                label: entry.label, value: Double(entry.counts.events),
                note: "\(TextFormatting.grouped(entry.counts.events)) · \(TextFormatting.grouped(entry.counts.machines)) machines",
                color: index < 8 ? ReportFigures.palette[index % ReportFigures.palette.count] : ReportFigures.otherColor
            )
        }
        let withheld = figures.report.rows(by: [.event]).filter(\.isSuppressed).count
        return SVGChart.horizontalBars(items, label: "Events per event type")
            + (withheld > 0 ? "<p class=\"note\">\(withheld) more event type\(withheld == 1 ? "" : "s") withheld.</p>" : "")
    }

    static func tables(_ report: UsageReport) -> String {
        let noun = report.granularity.rawValue
        let period = TextFormatting.periodTitle(report.granularity)
        let sections: [(String, [String], Set<ReportDimension>)] = [
            ("Events by type", ["Event"], [.event]),
            ("Per \(noun)", [period], [.period]),
            ("Operating systems", ["OS"], [.os]),
            ("Builds", ["Build"], [.build]),
            ("Events per \(noun) by type", [period, "Event"], [.period, .event]),
            ("Operating systems per \(noun)", [period, "OS"], [.period, .os]),
            ("Builds per \(noun)", [period, "Build"], [.period, .build]),
        ]
        var out = "<section class=\"card\"><h2>Tables</h2>"
        for (title, headers, dimensions) in sections {
            let rows = report.rows(by: dimensions)
            guard !rows.isEmpty else { continue }
            out += "<details><summary>\(TextFormatting.html(title)) <span class=\"count\">\(rows.count) rows</span></summary><table><thead><tr>"
            out += headers.map { "<th>\($0)</th>" }.joined() + "<th class=\"num\">Events</th><th class=\"num\">Machines</th></tr></thead><tbody>"
            for row in rows {
                let labels: [String?] =
                    headers.count == 2
                    ? [row.period, dimensions.contains(.event) ? row.event : dimensions.contains(.os) ? row.os : row.build]
                    : [row.event ?? row.os ?? row.build ?? row.period]
                out += "<tr>" + labels.map { "<td>\(TextFormatting.html($0 ?? ""))</td>" }.joined()
                if let counts = row.counts {
                    out += "<td class=\"num\">\(TextFormatting.grouped(counts.events))</td><td class=\"num\">\(TextFormatting.grouped(counts.machines))</td>"
                } else {
                    out += "<td class=\"num withheld\" title=\"withheld\">—</td><td class=\"num withheld\" title=\"withheld\">—</td>"
                }
                out += "</tr>"
            }
            out += "</tbody></table></details>"
        }
        return out + "</section>\n"
    }

    static let style = """
        :root{color-scheme:light}
        *{box-sizing:border-box}
        body{margin:0;background:#f4f5f7;color:#1f2430;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        main{max-width:1080px;margin:0 auto;padding:32px 24px 48px}
        header h1{margin:0;font-size:28px;letter-spacing:-.01em}
        .sub{margin:4px 0 24px;color:#5b6270}
        .kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:16px;margin-bottom:16px}
        .kpi,.card{background:#fff;border:1px solid #e3e6eb;border-radius:10px;box-shadow:0 1px 2px rgba(20,30,50,.04)}
        .kpi{padding:16px 18px}
        .kpi-title{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#6b7280}
        .kpi-value{font-size:26px;font-weight:650;margin-top:2px;overflow-wrap:anywhere}
        .kpi-note{font-size:13px;color:#6b7280}
        .card{padding:18px 20px 14px;margin-bottom:16px}
        .card h2{margin:0;font-size:17px}
        .note{margin:2px 0 10px;color:#6b7280;font-size:13px}
        .pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
        .pair .card{margin-bottom:16px}
        .legend{list-style:none;display:flex;flex-wrap:wrap;gap:6px 16px;padding:0;margin:8px 0 0 60px;font-size:13px;color:#3b4250}
        .legend li{display:flex;align-items:center;gap:6px}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:3px}
        .swatch.hatched{background:repeating-linear-gradient(45deg,#d5d9e0 0 3px,#f3f4f6 3px 6px)}
        details{border-top:1px solid #eef0f3;padding:8px 0}
        summary{cursor:pointer;font-weight:600}
        .count{font-weight:400;color:#6b7280;font-size:13px;margin-left:6px}
        table{border-collapse:collapse;width:100%;margin:10px 0 4px;font-size:14px}
        th,td{padding:5px 10px;border-bottom:1px solid #eef0f3;text-align:left}
        th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        .withheld{color:#9aa1ad}
        .empty p{margin:8px 0;font-size:16px}
        footer{color:#6b7280;font-size:13px;margin-top:24px}
        code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
        """
}
