import Foundation
import TelemetryCore
import TelemetryReport
import Testing

/// The four formats, without a server.
@Suite("Report formats")
struct FormatTests {
    /// Twelve machines over three weeks (seven on Linux, five on macOS), two builds; a rare OS,
    /// a rare build and rare events that must be withheld.
    static let events: [FixtureEvent] = {
        var events: [FixtureEvent] = []
        let days = ["2026-03-02", "2026-03-04", "2026-03-10", "2026-03-17", "2026-03-18"]
        for machine in 0..<12 {
            for (index, day) in days.enumerated() {
                let os = machine < 7 ? "linux 6.1" : "darwin 14.5"
                let build = index < 2 ? "1.0.0" : "1.1.0"
                events.append(FixtureEvent(event: .startBegin, day: day, machine: machine, os: os, build: build))
                events.append(FixtureEvent(event: .startEnd, day: day, machine: machine, os: os, build: build))
                if index >= 3 || (index == 0 && machine < 6) {
                    events.append(FixtureEvent(event: .appCreated, day: day, machine: machine, os: os, build: build))
                }
            }
        }
        events.append(FixtureEvent(event: .bosh, day: "2026-03-04", machine: 1))
        events.append(FixtureEvent(event: .stop, day: "2026-03-05", machine: 2, os: "plan9 4", build: "=cmd|' /C calc'!A0"))
        return events
    }()

    static var report: UsageReport {
        var aggregator = UsageAggregator(granularity: .week)
        for event in events.sorted(by: { $0.day < $1.day }) { aggregator.ingest(event.parsed) }
        return aggregator.report(range: try! ReportRange(from: "2026-03-01", to: "2026-03-22"), k: 5)
    }

    @Test(arguments: ReportFormat.allCases)
    func noAnonymousIDInAnyFormat(format: ReportFormat) {
        let text = format.render(Self.report)
        for secret in EventFixtures.secrets(machines: 0..<12) {
            #expect(!text.contains(secret), "\(format) shows an anonymous ID")
        }
        #expect(!text.contains("anonymous_id"))
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let text = ReportFormat.json.render(Self.report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["from"] as? String == "2026-03-01")
        #expect(object["to"] as? String == "2026-03-22")
        #expect(object["k"] as? Int == 5)
        #expect(object["by"] as? String == "week")
        let rows = try ReportChecks.jsonRows(text)
        let overall = try #require(ReportChecks.row(rows))
        #expect(overall["events"] as? Int == 150)
        #expect(overall["machines"] as? Int == 12)
        let startBegin = try #require(ReportChecks.row(rows, event: "start_begin"))
        #expect(startBegin["events"] as? Int == 60)
        #expect(startBegin["machines"] as? Int == 12)
        let appCreated = try #require(ReportChecks.row(rows, event: "app_created", period: "2026-W10"))
        #expect(appCreated["events"] as? Int == 6)
        #expect(appCreated["machines"] as? Int == 6)
        #expect(ReportChecks.row(rows, event: "app_created", period: "2026-W11") == nil)
        let darwin = try #require(ReportChecks.row(rows, os: "darwin 14.5", period: "2026-W12"))
        #expect(darwin["events"] as? Int == 30)
        #expect(darwin["machines"] as? Int == 5)
        let bosh = try #require(ReportChecks.row(rows, event: "bosh"))
        #expect(bosh["suppressed"] as? Bool == true)
        #expect(bosh["events"] == nil && bosh["machines"] == nil)
        let week = try #require(ReportChecks.row(rows, event: "app_created", period: "2026-W12"))
        #expect(week["events"] as? Int == 24)
        #expect(week["machines"] as? Int == 12)
        for label in ["plan9 4"] { #expect(ReportChecks.row(rows, os: label)?["suppressed"] as? Bool == true) }
        for row in rows where row["suppressed"] as? Bool == false {
            #expect((row["machines"] as? Int ?? 0) >= 5)
        }
    }

    @Test func csvQuotesAndDefusesLabels() {
        let text = ReportFormat.csv.render(Self.report)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == "event,os,build,period,events,machines,suppressed")
        #expect(lines.contains(",,,,150,12,false"))
        #expect(lines.contains("app_created,,,2026-W10,6,6,false"))
        #expect(lines.contains("bosh,,,,,,true"))
        // A build label that a spreadsheet would run as a formula is quoted and prefixed with '.
        #expect(lines.contains(",,'=cmd|' /C calc'!A0,,,,true"))
        #expect(!text.contains(",=cmd"))
    }

    @Test func markdownHasTablesAndWithheldMarks() {
        let text = ReportFormat.md.render(Self.report)
        #expect(text.hasPrefix("# CF Dev usage, 2026-03-01 to 2026-03-22"))
        #expect(text.contains("| Event | Events | Machines |"))
        #expect(text.contains("| `bosh` | — | — |"))
        #expect(text.contains("| `start_begin` | 60 | 12 |"))
        #expect(text.contains("**Overall:** 150 events from 12 machines."))
        #expect(text.contains("plan9 4 | — | — |"))
    }

    @Test func htmlIsSelfContainedWithCharts() {
        let html = ReportFormat.html.render(Self.report)
        #expect(ReportChecks.selfContainedProblems(html).isEmpty, "\(ReportChecks.selfContainedProblems(html))")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 4)
        #expect(html.contains("Events per week, by type"))
        #expect(html.contains("Operating systems"))
        #expect(html.contains("Build adoption"))
        #expect(html.contains("<rect"))
        #expect(html.contains("<style>"))
        // Labels are escaped.
        #expect(!html.contains("<script"))
        #expect(html.contains("=cmd|&#39; /C calc&#39;!A0") || !html.contains("=cmd"))
    }

    @Test func emptyAndFullyWithheldReportsRender() throws {
        let empty = UsageAggregator(granularity: .day).report(range: try ReportRange(from: "2026-01-01", to: "2026-01-07"), k: 5)
        var few = UsageAggregator(granularity: .day)
        for machine in 0..<3 { few.ingest(FixtureEvent(event: .stop, day: "2026-01-02", machine: machine).parsed) }
        let withheld = few.report(range: try ReportRange(from: "2026-01-01", to: "2026-01-07"), k: 5)
        for report in [empty, withheld] {
            for format in ReportFormat.allCases {
                let text = format.render(report)
                #expect(!text.isEmpty)
                if format == .json { _ = try JSONSerialization.jsonObject(with: Data(text.utf8)) }
            }
        }
        #expect(ReportFormat.html.render(empty).contains("No events were uploaded"))
        #expect(ReportFormat.html.render(withheld).contains("Everything in this period is withheld"))
    }
}

@Suite("Retention rule")
struct RetentionRuleTests {
    @Test func ruleExpiresTheEventsPrefix() throws {
        let rule = try RetentionRule(prefix: "team/events/", days: 1825)
        let xml = try rule.configuration(keeping: nil)
        let rules = LifecycleRuleSummary.parse(xml)
        #expect(rules == [LifecycleRuleSummary(id: "cfdev-telemetry-retention", prefix: "team/events/", status: "Enabled", expirationDays: 1825)])
        #expect(rules[0].description.contains("about 5 years"))
    }

    @Test func otherRulesAreKeptAndOursReplaced() throws {
        let existing = """
            <?xml version="1.0" encoding="UTF-8"?>
            <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>
              <Rule><ID>cfdev-telemetry-retention</ID><Filter><Prefix>events/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>99</Days></Expiration></Rule>
            </LifecycleConfiguration>
            """
        let xml = try RetentionRule(prefix: "events/", days: 400).configuration(keeping: existing)
        let rules = LifecycleRuleSummary.parse(xml)
        #expect(rules.map(\.id) == ["logs", "cfdev-telemetry-retention"])
        #expect(rules.map(\.expirationDays) == [30, 400])
        #expect(rules[0].prefix == "logs/")
    }

    @Test func daysOutOfRangeAreRejected() {
        #expect(throws: ReportError.self) { try RetentionRule(prefix: "events/", days: 0) }
        #expect(throws: ReportError.self) { try RetentionRule(prefix: "events/", days: 40_000) }
    }
}
