/// The published statistics of one period: rows of counts, each over some dimensions (`nil`
/// meaning "all"), suppressed rows carrying no counts. Never holds an anonymous ID.
package struct UsageReport: Sendable, Equatable {
    package var range: ReportRange
    package var k: Int
    package var granularity: PeriodGranularity
    package var rows: [ReportRow]
    package var input: InputSummary

    package init(range: ReportRange, k: Int, granularity: PeriodGranularity, rows: [ReportRow], input: InputSummary) {
        self.range = range
        self.k = k
        self.granularity = granularity
        self.rows = rows
        self.input = input
    }

    /// Every period of the range, in order, whether or not it had events.
    package var periods: [String] { granularity.periods(in: range) }

    /// The rows broken down by exactly these dimensions.
    package func rows(by dimensions: Set<ReportDimension>) -> [ReportRow] {
        rows.filter { $0.dimensions == dimensions }
    }

    /// The overall row (all events of the range).
    package var overall: ReportRow? { rows(by: []).first }
}

/// One cell: its labels (`nil` = all) and, unless suppressed, its counts.
package struct ReportRow: Sendable, Equatable {
    /// Events and distinct machines of a published cell.
    package struct Counts: Sendable, Equatable {
        package var events: Int
        package var machines: Int

        package init(events: Int, machines: Int) {
            self.events = events
            self.machines = machines
        }
    }

    package var event: String?
    package var os: String?
    package var build: String?
    package var period: String?
    /// nil when the cell is suppressed.
    package var counts: Counts?

    package init(event: String? = nil, os: String? = nil, build: String? = nil, period: String? = nil, counts: Counts? = nil) {
        self.event = event
        self.os = os
        self.build = build
        self.period = period
        self.counts = counts
    }

    package var isSuppressed: Bool { counts == nil }

    /// The dimensions this row is broken down by.
    package var dimensions: Set<ReportDimension> {
        var set: Set<ReportDimension> = []
        if event != nil { set.insert(.event) }
        if os != nil { set.insert(.os) }
        if build != nil { set.insert(.build) }
        if period != nil { set.insert(.period) }
        return set
    }

    /// Period first; then published rows by events (most first), suppressed rows after them;
    /// then by labels. Suppressed rows are ordered by label only, so order reveals nothing.
    static func publishedOrder(_ a: ReportRow, _ b: ReportRow) -> Bool {
        if (a.period ?? "") != (b.period ?? "") { return (a.period ?? "") < (b.period ?? "") }
        switch (a.counts, b.counts) {
        case let (x?, y?) where x.events != y.events: return x.events > y.events
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        return (a.event ?? "", a.os ?? "", a.build ?? "") < (b.event ?? "", b.os ?? "", b.build ?? "")
    }
}

/// What the report read, as published: enough to judge the data's quality, nothing from which
/// the raw number of events (and so the suppressed remainder) could be derived.
package struct InputSummary: Sendable, Equatable {
    package var objects: Int
    package var duplicates: Int
    /// Lines not counted, by reason.
    package var rejectedLines: [LineRejection: Int]
    /// Objects not counted, by reason.
    package var rejectedObjects: [ObjectRejection: Int]
    /// Objects counted up to their last complete gzip member, with other bytes after it.
    package var objectsWithTrailingJunk: Int
    /// Objects of the range moved aside under `rejected/` by compaction: not read.
    package var movedAside: Int
    /// Distinct events left out because their machine asked for them to be erased.
    package var erased: Int
    /// Erasure requests honoured (every one seen, whatever its time), and objects under the
    /// erasures prefix that were not one (too large, malformed: they change nothing).
    package var erasureRequests: Int
    package var rejectedErasureRequests: Int

    package init(
        objects: Int = 0, duplicates: Int = 0, rejectedLines: [LineRejection: Int] = [:],
        rejectedObjects: [ObjectRejection: Int] = [:], objectsWithTrailingJunk: Int = 0, movedAside: Int = 0,
        erased: Int = 0, erasureRequests: Int = 0, rejectedErasureRequests: Int = 0
    ) {
        self.erased = erased
        self.erasureRequests = erasureRequests
        self.rejectedErasureRequests = rejectedErasureRequests
        self.movedAside = movedAside
        self.objects = objects
        self.duplicates = duplicates
        self.rejectedLines = rejectedLines
        self.rejectedObjects = rejectedObjects
        self.objectsWithTrailingJunk = objectsWithTrailingJunk
    }

    /// Lines rejected, all reasons together.
    package var malformedLines: Int { rejectedLines.values.reduce(0, +) }
    /// Objects not counted, all reasons together.
    package var unreadableObjects: Int { rejectedObjects.values.reduce(0, +) }
}
