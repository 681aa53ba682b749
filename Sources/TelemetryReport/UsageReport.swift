/// The published statistics of one period: rows of counts, each over some dimensions (`nil`
/// meaning "all"), suppressed rows carrying no counts. Never holds an anonymous ID.
public struct UsageReport: Sendable, Equatable {
    public var range: ReportRange
    public var k: Int
    public var granularity: PeriodGranularity
    public var rows: [ReportRow]
    public var input: InputSummary

    public init(range: ReportRange, k: Int, granularity: PeriodGranularity, rows: [ReportRow], input: InputSummary) {
        self.range = range
        self.k = k
        self.granularity = granularity
        self.rows = rows
        self.input = input
    }

    /// Every period of the range, in order, whether or not it had events.
    public var periods: [String] { granularity.periods(in: range) }

    /// The rows broken down by exactly these dimensions.
    public func rows(by dimensions: Set<ReportDimension>) -> [ReportRow] {
        rows.filter { $0.dimensions == dimensions }
    }

    /// The overall row (all events of the range).
    public var overall: ReportRow? { rows(by: []).first }
}

/// One cell: its labels (`nil` = all) and, unless suppressed, its counts.
public struct ReportRow: Sendable, Equatable {
    /// Events and distinct machines of a published cell.
    public struct Counts: Sendable, Equatable {
        public var events: Int
        public var machines: Int

        public init(events: Int, machines: Int) {
            self.events = events
            self.machines = machines
        }
    }

    public var event: String?
    public var os: String?
    public var build: String?
    public var period: String?
    /// nil when the cell is suppressed.
    public var counts: Counts?

    public init(event: String? = nil, os: String? = nil, build: String? = nil, period: String? = nil, counts: Counts? = nil) {
        self.event = event
        self.os = os
        self.build = build
        self.period = period
        self.counts = counts
    }

    public var isSuppressed: Bool { counts == nil }

    /// The dimensions this row is broken down by.
    public var dimensions: Set<ReportDimension> {
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
public struct InputSummary: Sendable, Equatable {
    public var objects: Int
    public var duplicates: Int
    /// Lines not counted, by reason.
    public var rejectedLines: [LineRejection: Int]
    /// Objects not counted, by reason.
    public var rejectedObjects: [ObjectRejection: Int]
    /// Objects counted up to their last complete gzip member, with other bytes after it.
    public var objectsWithTrailingJunk: Int
    /// Objects of the range moved aside under `rejected/` by compaction: not read.
    public var movedAside: Int
    /// Distinct events left out because their machine asked for them to be erased.
    public var erased: Int
    /// Erasure requests honoured (every one seen, whatever its time), and objects under the
    /// erasures prefix that were not one (too large, malformed: they change nothing).
    public var erasureRequests: Int
    public var rejectedErasureRequests: Int

    public init(
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
    public var malformedLines: Int { rejectedLines.values.reduce(0, +) }
    /// Objects not counted, all reasons together.
    public var unreadableObjects: Int { rejectedObjects.values.reduce(0, +) }
}
