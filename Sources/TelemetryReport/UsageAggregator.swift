import Foundation

/// Reads uploaded objects (gzip already removed) line by line and aggregates as it goes: no event
/// is kept, only a count per distinct (event, OS, build, period, machine). Copies of an event
/// (same `event_id`) are counted once. Objects must be fed partition by partition (all objects
/// of one `dt=` day together, as a listing returns them): an event's partition is the UTC day of
/// its own timestamp, so every copy of it is in the same partition, and the set of seen event IDs
/// is kept for one partition at a time.
public struct UsageAggregator {
    public let granularity: PeriodGranularity
    public internal(set) var statistics = ReadStatistics()

    var events = Interner()
    var oses = Interner()
    var builds = Interner()
    var periods = Interner()
    /// Machines by the first 64 bits of their anonymous ID (an HMAC output): the ID itself is not kept.
    var machines: [UInt64: Int32] = [:]
    var atoms: [Atom: Int] = [:]

    private var partition: CivilDate?
    private var seenEventIDs: Set<String> = []
    private let parser = EnvelopeLineParser()

    public init(granularity: PeriodGranularity) {
        self.granularity = granularity
    }

    /// One uploaded object of partition `day`, decompressed: every line is read.
    public mutating func ingest(object: Data, partition day: CivilDate) {
        statistics.objects += 1
        enter(partition: day)
        object.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var start = 0
            let count = buffer.count
            while start < count {
                var end = start
                while end < count && buffer[end] != 0x0A { end += 1 }
                if end > start {
                    let line = Data(buffer[start..<end])
                    if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { ingest(line: line, partition: day) }
                }
                start = end + 1
            }
        }
    }

    /// An object that could not be read (not gzip, damaged): counted and skipped.
    public mutating func recordUnreadableObject() {
        statistics.unreadableObjects += 1
    }

    /// An object under the events prefix that is not in the `dt=…/….ndjson.gz` layout: skipped.
    public mutating func recordIgnoredObject() {
        statistics.ignoredObjects += 1
    }

    /// One parsed event, as if read from partition `day` (by default the day of its timestamp).
    public mutating func ingest(_ event: ReportEvent, partition day: CivilDate? = nil) {
        let day = day ?? event.day
        enter(partition: day)
        add(event, partition: day)
    }

    mutating func ingest(line: Data, partition day: CivilDate) {
        statistics.lines += 1
        guard let event = parser.parse(line) else {
            statistics.malformedLines += 1
            return
        }
        add(event, partition: day)
    }

    private mutating func enter(partition day: CivilDate) {
        if partition != day {
            partition = day
            seenEventIDs.removeAll(keepingCapacity: true)
        }
    }

    private mutating func add(_ event: ReportEvent, partition day: CivilDate) {
        guard seenEventIDs.insert(event.eventID).inserted else {
            statistics.duplicates += 1
            return
        }
        if event.day != day { statistics.misplaced += 1 }
        statistics.events += 1
        let machineKey = UInt64(event.anonymousID.prefix(16), radix: 16) ?? 0
        let machine: Int32
        if let known = machines[machineKey] {
            machine = known
        } else {
            machine = Int32(machines.count)
            machines[machineKey] = machine
        }
        let atom = Atom(
            event: events.index(event.event), os: oses.index(event.os), build: builds.index(event.build),
            period: periods.index(granularity.key(for: day)), machine: machine)
        atoms[atom, default: 0] += 1
    }

    /// The published report: every cell of `ReportDimension.publishedGroupings`, with the
    /// k-anonymity rule of `KAnonymity` applied.
    public func report(range: ReportRange, k: Int) -> UsageReport {
        let list = Array(atoms)
        let alive = KAnonymity.surviving(atoms: list.map(\.key), groupings: ReportDimension.publishedGroupings, k: k)
        var rows: [ReportRow] = []
        for grouping in ReportDimension.publishedGroupings {
            var raw: Set<CellKey> = []
            var counts: [CellKey: (events: Int, machines: Set<Int32>)] = [:]
            for (index, (atom, count)) in list.enumerated() {
                let cell = atom.cell(grouping)
                raw.insert(cell)
                if alive[index] {
                    counts[cell, default: (0, [])].events += count
                    counts[cell, default: (0, [])].machines.insert(atom.machine)
                }
            }
            var groupRows = raw.map { cell -> ReportRow in
                let label = { (index: Int32, interner: Interner) in index < 0 ? nil : interner[index] }
                var row = ReportRow(
                    event: label(cell.event, events), os: label(cell.os, oses), build: label(cell.build, builds),
                    period: label(cell.period, periods))
                if let published = counts[cell], published.machines.count >= k {
                    row.counts = ReportRow.Counts(events: published.events, machines: published.machines.count)
                }
                return row
            }
            groupRows.sort(by: ReportRow.publishedOrder)
            rows += groupRows
        }
        return UsageReport(
            range: range, k: k, granularity: granularity, rows: rows,
            input: InputSummary(
                objects: statistics.objects, unreadableObjects: statistics.unreadableObjects,
                duplicates: statistics.duplicates, malformedLines: statistics.malformedLines))
    }
}

/// What was read: for the operator (progress, the closing line on stderr), not published as is,
/// since the number of events read minus the published total would be the suppressed remainder.
public struct ReadStatistics: Sendable, Equatable {
    public var objects = 0
    public var bytes = 0
    public var lines = 0
    /// Distinct events read (after de-duplication), suppressed ones included.
    public var events = 0
    public var duplicates = 0
    public var malformedLines = 0
    public var unreadableObjects = 0
    public var ignoredObjects = 0
    /// Events whose timestamp is on another day than their `dt=` partition (counted under the partition).
    public var misplaced = 0

    public init() {}

    /// `41 objects, 41,000 events, 2.6 MB`, for progress lines.
    public var summary: String {
        let tenths = Int((Double(bytes) / 100_000).rounded())
        return "\(TextFormatting.grouped(objects)) object\(objects == 1 ? "" : "s"), "
            + "\(TextFormatting.grouped(events)) event\(events == 1 ? "" : "s"), \(tenths / 10).\(tenths % 10) MB"
    }
}
