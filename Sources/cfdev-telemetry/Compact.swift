import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryStore

/// `cfdev-telemetry compact`: rewrites each day's many small objects into few large ones.
struct Compact: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite each day's uploaded objects into as few objects as possible, each event once.",
        discussion:
            "For every day of the range: reads the objects of <prefix>events/v1/dt=DAY/, keeps each valid event once (by event_id), writes them write-once (If-None-Match: *) to compacted-….ndjson.gz objects of the same partition (split past --max-object-bytes of NDJSON), and only then deletes the originals. Objects that are not readable gzip are left in place, or with --move-rejected moved to <prefix>rejected/v1/dt=DAY/ (write-once, then deleted). A report gives the same rows before, during (even after a kill -9) and after. The erasure requests under <prefix>erasures/v1/ are carried out: their machines' events up to each request's time are left out of the new objects, and a day already compacted is rewritten when it holds any; compacting the whole range is the erasure sweep (docs/DEPLOY.md). Needs s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject."
    )

    @OptionGroup var upload: UploadOptions

    @OptionGroup var team: TeamOptions

    @OptionGroup var days: DayRangeOptions

    @Option(help: ArgumentHelp("Last day, included (UTC).", valueName: "YYYY-MM-DD"))
    var to: String

    @Option(help: ArgumentHelp("Split a day's new object past this many bytes of NDJSON (default 256 MiB; 1024…268435456).", valueName: "N"))
    var maxObjectBytes = Compactor.defaultMaxObjectBytes

    @Flag(help: "Move objects that are not readable gzip NDJSON out of the events prefix, to <prefix>rejected/v1/dt=DAY/ (write-once, then deleted), so reports stop paying for them.")
    var moveRejected = false

    func validate() throws {
        try days.validateRange(to: to)
        guard (1024...Compactor.defaultMaxObjectBytes).contains(maxObjectBytes) else {
            throw ValidationError("--max-object-bytes must be 1024…\(Compactor.defaultMaxObjectBytes)")
        }
    }

    func run() async throws {
        let range = try days.range(to: to)
        let target = try await Context().teamTarget(role: .operator, upload: upload, team: team)
        var compactor = Compactor(client: target.client(requestTimeout: 120), layout: target.layout, maxObjectBytes: maxObjectBytes)
        compactor.pageSize = days.pageSize
        compactor.retry = .team
        compactor.moveRejected = moveRejected
        var erasureListing = ErasureListing(client: compactor.client, layout: target.layout, pageSize: days.pageSize)
        erasureListing.retry = .team
        let erasures = try await erasureListing.read()
        compactor.erasures = erasures.erasures
        print(
            "Erasure requests: \(erasures.erasures.requests) (\(erasures.erasures.cutoffs.count) machine\(erasures.erasures.cutoffs.count == 1 ? "" : "s"))"
                + (erasures.rejected > 0 ? "; \(erasures.rejected) object\(erasures.rejected == 1 ? "" : "s") under \(target.layout.erasuresRoot) not a valid request (ignored)" : "")
                + ".")
        var totals = (days: 0, originals: 0, written: 0, deleted: 0, events: 0, duplicates: 0, lines: 0, kept: 0, moved: 0, erased: 0)
        for offset in 0..<range.dayCount {
            let day = range.from.adding(days: offset)
            let result = try await compactor.compact(day: day)
            guard !result.skipped else { continue }
            totals.days += 1
            totals.originals += result.originals
            totals.written += result.written
            totals.deleted += result.deleted
            totals.events += result.events
            totals.duplicates += result.duplicatesDropped
            totals.lines += result.linesDropped
            totals.kept += result.keptUnreadable
            totals.moved += result.movedRejected
            totals.erased += result.erased
            let unreadable =
                result.movedRejected > 0
                ? "\(result.keptUnreadable) unreadable kept, \(result.movedRejected) moved to rejected/" : "\(result.keptUnreadable) unreadable kept"
            print(
                "dt=\(day): \(result.originals) object\(result.originals == 1 ? "" : "s") → \(result.written) (\(result.events) events; \(result.erased) erased, \(result.duplicatesDropped) copies and \(result.linesDropped) rejected lines left out; \(unreadable))"
            )
        }
        print(
            "Compacted \(totals.days) day\(totals.days == 1 ? "" : "s"): \(totals.originals) objects → \(totals.written), \(totals.deleted) deleted, \(totals.events) events, \(totals.erased) erased.")
    }
}
