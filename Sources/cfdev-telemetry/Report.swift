import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryRules
import TelemetryStore

/// `cfdev-telemetry report`: the published usage statistics of a period, from the bucket.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate the uploaded events of a period into the published usage statistics.",
        discussion:
            "Reads the objects under <prefix>events/v1/dt=FROM … dt=TO/ (signed listing and GETs), counts every event once (by event_id), and prints events and distinct machines per event type, OS, build and period. The anonymous ID is never printed. A cell counted over fewer than k machines is withheld, and its events are left out of every other number, totals included. The erasure requests under <prefix>erasures/v1/ are honoured: a machine's events up to its request's time are left out and counted as erased. See docs/REPORT.md for the formats."
    )

    @OptionGroup var upload: UploadOptions

    @OptionGroup var team: TeamOptions

    @OptionGroup var days: DayRangeOptions

    @Option(help: ArgumentHelp("Last day, included (UTC; default: today).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(
        help: ArgumentHelp(
            "Period: day, week (ISO), month or quarter (default: day up to 31 days, week up to 183, month beyond).",
            valueName: "period"))
    var by: PeriodGranularity?

    @Option(name: .customLong("k"), help: "Withhold cells counted over fewer than this many distinct machines (at least 2).")
    var k = 5

    @Option(help: ArgumentHelp("md, csv, json or html (default: from the --output extension, else md).", valueName: "format"))
    var format: ReportFormat?

    @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Show at most this many values per event type, OS and build; the rest are counted as one \"(other)\" (default 50).",
            valueName: "N"))
    var maxLabels = LabelFolding.defaultLimit

    @Option(
        help: ArgumentHelp(
            "The local cache of per-object aggregates (default: $XDG_CACHE_HOME/cfdev-telemetry/report-cache.sqlite).",
            valueName: "file"))
    var cache: String?

    @Flag(help: "Read every object from the store; use and change no cache.")
    var noCache = false

    /// The last day asked for: `--to`, else today (UTC).
    var lastDay: String {
        to ?? CivilDate(secondsSinceEpoch: Date().timeIntervalSince1970).description
    }

    func validate() throws {
        try days.validateRange(to: lastDay)
        guard k >= 2 else { throw ValidationError("--k must be at least 2 (a cell from one machine describes that machine)") }
        guard (1...10_000).contains(maxLabels) else { throw ValidationError("--max-labels must be 1…10000") }
        if noCache && cache != nil { throw ValidationError("--cache and --no-cache exclude each other") }
    }

    func run() async throws {
        let range = try days.range(to: lastDay)
        let granularity = by ?? .automatic(for: range)
        let chosenFormat = format ?? output.flatMap(ReportFormat.inferred(fromFileName:)) ?? .md
        let context = Context()
        let target = try await context.teamTarget(role: .reader, upload: upload, team: team)
        let layout = target.layout
        var reader = BucketReader(client: target.client(requestTimeout: 60), layout: layout, pageSize: days.pageSize)
        reader.retry = .team
        // Every erasure request in the store is honoured, whatever the range.
        var erasureListing = ErasureListing(client: reader.client, layout: layout, pageSize: days.pageSize)
        erasureListing.retry = .team
        let erasures = try await erasureListing.read()
        reader.erasures = erasures.erasures
        if !noCache {
            reader.cache = try ReportCache(
                path: cache ?? ReportCache.defaultPath(environment: context.environment), source: Self.cacheSource(target),
                variant: erasures.erasures.digest)
        }
        var aggregator = UsageAggregator(granularity: granularity)
        let progress = TerminalProgress()
        do {
            try await reader.read(range: range, into: &aggregator) { state in
                progress.update(ReadProgressLine.text(state, elapsed: progress.elapsed, bucket: target.endpoint.bucket, root: layout.eventsRoot))
            }
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        let statistics = aggregator.statistics
        if progress.wasShown {
            printError("Read \(statistics.summary) in \(String(format: "%.1f", progress.elapsed)) s (\(statistics.cachedObjects) from the cache).")
        }
        Self.warn(statistics)
        if erasures.rejected > 0 {
            printError(
                "Warning: \(erasures.rejected) object\(erasures.rejected == 1 ? "" : "s") under \(layout.erasuresRoot) \(erasures.rejected == 1 ? "was" : "were") not a valid erasure request (ignored)"
            )
        }
        var report = aggregator.report(range: range, k: k, maxLabels: maxLabels)
        report.input.erasureRequests = erasures.erasures.requests
        report.input.rejectedErasureRequests = erasures.rejected
        let text = chosenFormat.render(report)
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
            }
            printError("Wrote the \(chosenFormat.rawValue) report for \(range.from) to \(range.to) to \(output).")
        } else if !SafeFile.writeAll(1, Array(text.utf8)) {
            // Not FileHandle: its write traps on a failed write (a full disk, a closed stdout).
            throw CommandFailure("cannot write the report to standard output: \(SafeFile.describe(errno))")
        }
    }

    /// The store an object cache row belongs to: endpoint (no user-info), bucket, prefix.
    static func cacheSource(_ target: UploadTarget) -> String {
        var components = URLComponents(url: target.endpoint.url, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        return "\(components?.string ?? target.endpoint.host)|\(target.endpoint.bucket)|\(target.layout.prefix)"
    }

    /// Data-quality notes on stderr, whatever stderr is.
    static func warn(_ statistics: ReadStatistics) {
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        if statistics.malformedLines > 0 {
            let reasons = LineRejection.allCases.compactMap { reason in statistics.rejectedLines[reason].map { "\($0) \(reason.rawValue)" } }
            printError("Warning: \(plural(statistics.malformedLines, "malformed line")) skipped (\(reasons.joined(separator: ", ")))")
        }
        if statistics.unreadableObjects > 0 {
            let reasons = ObjectRejection.allCases.compactMap { reason in statistics.rejectedObjects[reason].map { "\($0) \(reason.rawValue)" } }
            printError(
                "Warning: \(statistics.unreadableObjects) object\(statistics.unreadableObjects == 1 ? " was" : "s were") not readable gzip NDJSON and skipped (\(reasons.joined(separator: ", ")))")
        }
        if statistics.objectsWithTrailingJunk > 0 {
            printError("Warning: \(plural(statistics.objectsWithTrailingJunk, "object")) had bytes after their gzip data that were not gzip (the data before them was counted)")
        }
        if statistics.misplaced > 0 {
            printError("Warning: \(statistics.misplaced) event\(statistics.misplaced == 1 ? "" : "s") had a timestamp on another day than its dt= partition (counted under the partition)")
        }
        if statistics.rereadDays > 0 {
            printError(
                "Note: \(plural(statistics.rereadDays, "day")) changed while being read (objects compacted or expired meanwhile) and \(statistics.rereadDays == 1 ? "was" : "were") listed and read again"
            )
        }
        if let unlisted = statistics.movedAsideUnlisted {
            printError(
                "Note: the objects moved aside under rejected/ could not be listed (\(unlisted)); `cfdev-telemetry policy --role reader` shows the list rights the reader needs")
        }
        if statistics.ignoredObjects > 0 {
            printError("Note: \(statistics.ignoredObjects) object\(statistics.ignoredObjects == 1 ? "" : "s") under the events prefix not in the dt=YYYY-MM-DD/*.ndjson.gz layout ignored")
        }
    }
}

extension PeriodGranularity: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

extension ReportFormat: ExpressibleByArgument {
    /// `md` (or `markdown`), `csv`, `json`, `html`, in any case.
    package init?(argument: String) {
        let lower = argument.lowercased()
        self.init(rawValue: lower == "markdown" ? "md" : lower)
    }
}
