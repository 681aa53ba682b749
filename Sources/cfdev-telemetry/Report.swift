import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryUpload

/// `cfdev-telemetry report`: the published usage statistics of a period, from the bucket.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate the uploaded events of a period into the published usage statistics.",
        discussion: "Reads the objects under <prefix>events/v1/dt=FROM … dt=TO/ (signed listing and GETs), counts every event once (by event_id), and prints events and distinct machines per event type, OS, build and period. The anonymous ID is never printed. A cell counted over fewer than k machines is withheld, and its events are left out of every other number, totals included. See docs/REPORT.md for the formats.")

    @OptionGroup var upload: UploadOptions

    @Option(help: ArgumentHelp("First day, included (UTC).", valueName: "YYYY-MM-DD"))
    var from: String

    @Option(help: ArgumentHelp("Last day, included (UTC; default: today).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: ArgumentHelp(
        "Period: day, week (ISO), month or quarter (default: day up to 31 days, week up to 183, month beyond).",
        valueName: "period"))
    var by: String?

    @Option(name: .customLong("k"), help: "Withhold cells counted over fewer than this many distinct machines (at least 2).")
    var k = 5

    @Option(help: ArgumentHelp("md, csv, json or html (default: from the --output extension, else md).", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: .hidden)
    var pageSize: Int?

    func run() async throws {
        let range: ReportRange
        let granularity: PeriodGranularity
        let chosenFormat: ReportFormat
        do {
            let today = CivilDate(secondsSinceEpoch: Date().timeIntervalSince1970)
            range = try ReportRange(from: from, to: to ?? today.description)
            granularity = try by.map(Self.granularity) ?? .automatic(for: range)
            chosenFormat = try Self.format(format, output: output)
            guard k >= 2 else { throw ReportError.invalidOption("--k must be at least 2 (a cell from one machine describes that machine)") }
            if let pageSize, !(1...1000).contains(pageSize) { throw ReportError.invalidOption("--page-size must be 1…1000") }
        } catch {
            throw CommandFailure("\(error)")
        }
        let context = Context()
        let settings = upload.apply(to: try context.settings())
        let target: UploadTarget
        do {
            target = try UploadTarget(settings: settings)
        } catch {
            throw CommandFailure("\(error)")
        }
        let reader = BucketReader(client: target.client(requestTimeout: 60), layout: PartitionLayout(prefix: target.prefix), pageSize: pageSize)
        var aggregator = UsageAggregator(granularity: granularity)
        let progress = TerminalProgress()
        do {
            try await reader.read(range: range, into: &aggregator) { statistics, day in
                progress.update("Reading s3://\(settings.bucket)/\(target.prefix)events/v1/ dt=\(day): \(statistics.summary)")
            }
        } catch {
            progress.finish()
            throw CommandFailure("\(error)")
        }
        progress.finish()
        let statistics = aggregator.statistics
        if progress.wasShown {
            printError("Read \(statistics.summary) in \(String(format: "%.1f", progress.elapsed)) s.")
        }
        Self.warn(statistics)
        let text = chosenFormat.render(aggregator.report(range: range, k: k))
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
            }
            printError("Wrote the \(chosenFormat.rawValue) report for \(range.from) to \(range.to) to \(output).")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    static func granularity(_ text: String) throws -> PeriodGranularity {
        guard let value = PeriodGranularity(rawValue: text.lowercased()) else {
            throw ReportError.invalidOption("--by \"\(text)\": expected day, week, month or quarter")
        }
        return value
    }

    static func format(_ text: String?, output: String?) throws -> ReportFormat {
        if let text {
            let lower = text.lowercased()
            guard let value = ReportFormat(rawValue: lower == "markdown" ? "md" : lower) else {
                throw ReportError.invalidOption("--format \"\(text)\": expected md, csv, json or html")
            }
            return value
        }
        return output.flatMap(ReportFormat.inferred(fromFileName:)) ?? .md
    }

    /// Data-quality notes on stderr, whatever stderr is.
    static func warn(_ statistics: ReadStatistics) {
        if statistics.malformedLines > 0 {
            printError("warning: \(statistics.malformedLines) malformed line\(statistics.malformedLines == 1 ? "" : "s") skipped")
        }
        if statistics.unreadableObjects > 0 {
            printError("warning: \(statistics.unreadableObjects) object\(statistics.unreadableObjects == 1 ? " was" : "s were") not readable gzip NDJSON and skipped")
        }
        if statistics.misplaced > 0 {
            printError("warning: \(statistics.misplaced) event\(statistics.misplaced == 1 ? "" : "s") had a timestamp on another day than its dt= partition (counted under the partition)")
        }
        if statistics.ignoredObjects > 0 {
            printError("note: \(statistics.ignoredObjects) object\(statistics.ignoredObjects == 1 ? "" : "s") under the events prefix not in the dt=YYYY-MM-DD/*.ndjson.gz layout ignored")
        }
    }
}
