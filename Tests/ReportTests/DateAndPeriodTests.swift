import Foundation
import TelemetryCore
import TelemetryReport
import Testing

@Suite("Dates, ranges and periods")
struct DateAndPeriodTests {
    @Test func parsesRealDaysOnly() {
        #expect(CivilDate("2026-11-23") == CivilDate(year: 2026, month: 11, day: 23))
        #expect(CivilDate("2024-02-29") != nil)
        for bad in ["2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01", "2026/01/01", "2026-01-01T00", "", "yesterday"] {
            #expect(CivilDate(bad) == nil, "\(bad)")
        }
    }

    @Test func epochDaysRoundTrip() {
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11_017)
        for days in stride(from: -800, through: 40_000, by: 37) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(secondsSinceEpoch: 1_700_000_000).description == "2023-11-14")
        #expect(CivilDate(secondsSinceEpoch: -1).description == "1969-12-31")
    }

    @Test func isoWeeksAtYearEnds() {
        let cases = [
            ("2026-01-01", "2026-W01"), ("2025-12-29", "2026-W01"), ("2024-12-30", "2025-W01"),
            ("2027-01-01", "2026-W53"), ("2021-01-03", "2020-W53"), ("2026-11-23", "2026-W48"),
        ]
        for (day, week) in cases {
            #expect(PeriodGranularity.week.key(for: CivilDate(day)!) == week, "\(day)")
        }
        #expect(PeriodGranularity.month.key(for: CivilDate("2026-11-23")!) == "2026-11")
        #expect(PeriodGranularity.quarter.key(for: CivilDate("2026-11-23")!) == "2026-Q4")
        #expect(PeriodGranularity.quarter.key(for: CivilDate("2026-03-31")!) == "2026-Q1")
        #expect(PeriodGranularity.day.key(for: CivilDate("2026-11-23")!) == "2026-11-23")
    }

    @Test func periodsOfARangeIncludeThePartialEnds() throws {
        let range = try ReportRange(from: "2026-01-28", to: "2026-04-02")
        #expect(PeriodGranularity.month.periods(in: range) == ["2026-01", "2026-02", "2026-03", "2026-04"])
        #expect(PeriodGranularity.quarter.periods(in: range) == ["2026-Q1", "2026-Q2"])
        #expect(PeriodGranularity.week.periods(in: range).first == "2026-W05")
        #expect(PeriodGranularity.day.periods(in: range).count == 65)
        #expect(PeriodGranularity.automatic(for: range) == .week)
    }

    @Test func badDatesAndRangesAreOneLineErrors() {
        for (from, to, needle) in [("2026-02-30", "2026-03-01", "--from"), ("2026-03-01", "March", "--to"), ("2026-03-02", "2026-03-01", "after")] {
            do {
                _ = try ReportRange(from: from, to: to)
                Issue.record("accepted \(from) … \(to)")
            } catch {
                let text = "\(error)"
                #expect(text.contains(needle))
                #expect(!text.contains("\n"))
            }
        }
    }

    @Test func partitionKeysAndPrefixes() {
        let layout = PartitionLayout(prefix: "team/")
        #expect(layout.partition(ofKey: "team/events/v1/dt=2026-03-04/abc.ndjson.gz") == CivilDate("2026-03-04"))
        #expect(layout.partition(ofKey: "team/events/v1/dt=2026-03-04/abc.json") == nil)
        #expect(layout.partition(ofKey: "team/events/v1/dt=2026-3-4/abc.ndjson.gz") == nil)
        #expect(layout.partition(ofKey: "team/events/v1/dt=2026-03-04/x/abc.ndjson.gz") == nil)
        #expect(layout.partition(ofKey: "other/events/v1/dt=2026-03-04/abc.ndjson.gz") == nil)
        #expect(layout.partitionPrefix(CivilDate("2026-03-04")!) == "team/events/v1/dt=2026-03-04/")
    }
}
