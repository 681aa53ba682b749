import Foundation
import TelemetryCore

/// Merges objects' partials (`ObjectPartial`) and aggregates as it goes: no event is kept, only a
/// count per distinct (event, OS, build, period, machine). Copies of an event (same `event_id`)
/// are counted once. Objects must be fed partition by partition (all objects of one `dt=` day
/// together, in key order, as `BucketReader` does): an event's partition is the UTC day of its own
/// timestamp, so every copy of it is in the same partition, and the set of seen event IDs is kept
/// for one partition at a time. The first copy in key order is the one counted, so the result
/// does not depend on the order a store lists keys in.
package struct UsageAggregator {
    package let granularity: PeriodGranularity
    package internal(set) var statistics = ReadStatistics()

    var events = Interner()
    var oses = Interner()
    var builds = Interner()
    var periods = Interner()
    /// Each distinct (event, OS, build, period) seen, by dense index: atoms name it by index.
    var combinations = CombinationTable()
    /// Machines by the first 64 bits of their anonymous ID (an HMAC output): the ID itself is not kept.
    var machines: [UInt64: Int32] = [:]
    /// `machines`' keys by index.
    var machineKeys: [UInt64] = []
    var atoms = AtomTable()

    var partition: CivilDate?
    private var partitionPeriod: Int32 = 0
    var seenEvents = EventHashSet()
    /// What the objects of one span add, while the report's cache is to keep it (`SpanRecorder`).
    var recorder: SpanRecorder?
    /// The most events a span may have and still be recorded (`SpanRecorder.maxEvents`).
    var maxRecordedEvents = SpanRecorder.defaultMaxEvents

    package init(granularity: PeriodGranularity) {
        self.granularity = granularity
    }

    /// One object's partial, read from partition `day`.
    package mutating func merge(_ partial: ObjectPartial, partition day: CivilDate) {
        guard recorder != nil else { return count(partial, partition: day) }
        let before = statistics
        count(partial, partition: day)
        if !recorder!.span.contains(day) { recorder!.spoil() }
        recorder!.totals.add(statistics, since: before)
    }

    private mutating func count(_ partial: ObjectPartial, partition day: CivilDate) {
        statistics.bytes += partial.storedBytes
        if let rejection = partial.rejection {
            statistics.rejectedObjects[rejection, default: 0] += 1
            return
        }
        statistics.objects += 1
        statistics.lines += partial.lines
        statistics.duplicates += partial.duplicates
        if partial.hasTrailingJunk { statistics.objectsWithTrailingJunk += 1 }
        for (reason, count) in partial.rejectedLines { statistics.rejectedLines[reason, default: 0] += count }
        enter(partition: day)
        // Each label interned only in the dimension it is used for, once per object, and each
        // (event, OS, build) of the object's labels resolved to its combination once.
        var eventIndex = [Int32](repeating: -1, count: partial.labels.count)
        var osIndex = eventIndex, buildIndex = eventIndex
        var resolved = CombinationCache(labels: partial.labels.count)
        for entry in partial.entries {
            var combination = resolved[entry]
            if combination < 0 {
                let event = events.index(entry.event, of: partial.labels, resolved: &eventIndex)
                let os = oses.index(entry.os, of: partial.labels, resolved: &osIndex)
                let build = builds.index(entry.build, of: partial.labels, resolved: &buildIndex)
                combination = combinations.index(CellKey(event: event, os: os, build: build, period: partitionPeriod))
                resolved[entry] = combination
            }
            add(hash: entry.eventHash, machine: entry.machine, combination: combination, misplaced: entry.misplaced)
        }
        for hash in partial.erased { addErased(hash) }
    }

    /// One uploaded object of partition `day`, already decompressed: every line is read; the
    /// events `erasures` names are counted as erased.
    package mutating func ingest(object: Data, partition day: CivilDate, erasures: ErasureSet = ErasureSet()) {
        merge(ObjectPartial.read(ndjson: object, partition: day, erasures: erasures), partition: day)
    }

    /// An erased event: counted once (as any event, by its ID), in no cell.
    private mutating func addErased(_ hash: UInt64) {
        guard seenEvents.insert(hash) else {
            statistics.duplicates += 1
            return
        }
        if recorder != nil { recorder!.seen(hash) }
        statistics.erased += 1
    }

    /// An object under the events prefix that is not in the `dt=…/….ndjson.gz` layout: skipped.
    package mutating func recordIgnoredObject() {
        statistics.ignoredObjects += 1
    }

    /// One parsed event, as if read from partition `day` (by default the day of its timestamp).
    package mutating func ingest(_ event: ReportEvent, partition day: CivilDate? = nil) {
        let day = day ?? event.day
        enter(partition: day)
        let combination = combinations.index(
            CellKey(event: events.index(event.event), os: oses.index(event.os), build: builds.index(event.build), period: partitionPeriod))
        add(
            hash: ObjectPartial.eventHash(event.eventID), machine: ObjectPartial.machineKey(event.anonymousID), combination: combination,
            misplaced: event.day != day)
    }

    private mutating func enter(partition day: CivilDate) {
        if partition != day {
            partition = day
            partitionPeriod = periods.index(granularity.key(for: day))
            seenEvents.removeAll()
            if recorder != nil { recorder!.enter(day) }
        }
    }

    /// Enters partition `day` with `events` already seen in it (events of a summary's objects that
    /// the objects merged next repeat, `SpanPlan.repeats`): a copy of one of them is a duplicate.
    mutating func enter(partition day: CivilDate, seen events: EventHashSet) {
        partition = day
        partitionPeriod = periods.index(granularity.key(for: day))
        seenEvents = events
        if recorder != nil { recorder!.enter(day) }
    }

    private mutating func add(hash: UInt64, machine machineKey: UInt64, combination: Int32, misplaced: Bool) {
        guard seenEvents.insert(hash) else {
            statistics.duplicates += 1
            return
        }
        if misplaced { statistics.misplaced += 1 }
        statistics.events += 1
        let atom = AtomTable.key(machine: machineIndex(machineKey), combination: combination)
        atoms.add(atom)
        if recorder != nil {
            recorder!.seen(hash)
            recorder!.add(atom)
        }
    }

    /// The dense index of the machine with key `machineKey` (a new one when unseen).
    mutating func machineIndex(_ machineKey: UInt64) -> Int32 {
        if let known = machines[machineKey] { return known }
        let machine = Int32(machines.count)
        machines[machineKey] = machine
        machineKeys.append(machineKey)
        return machine
    }

    /// The published report: every cell of `ReportDimension.publishedGroupings`, with the
    /// k-anonymity rule of `KAnonymity` applied.
    /// At most `maxLabels` values of each labelled dimension (event, OS, build) are shown: those
    /// with the most machines; the rest are counted together as one `(other)` value, under the
    /// same rule as any other.
    package func report(range: ReportRange, k: Int, maxLabels: Int = LabelFolding.defaultLimit) -> UsageReport {
        var events = self.events, oses = self.oses, builds = self.builds
        var combinations = self.combinations
        let list = LabelFolding.fold(
            atoms.sorted(), combinations: &combinations, events: &events, oses: &oses, builds: &builds, limit: maxLabels)
        let groupings = ReportDimension.publishedGroupings.map { CellGrouping($0, combinations: combinations) }
        let alive = KAnonymity.surviving(atoms: list, groupings: groupings, k: k)
        var rows: [ReportRow] = []
        for grouping in groupings {
            let present = grouping.present(list)
            let published = grouping.count(list) { alive[$0] }
            var groupRows: [ReportRow] = []
            for cell in grouping.cells.indices where present[cell] {
                let key = grouping.cells[cell]
                let label = { (index: Int32, interner: Interner) in index < 0 ? nil : interner[index] }
                var row = ReportRow(
                    event: label(key.event, events), os: label(key.os, oses), build: label(key.build, builds),
                    period: label(key.period, periods))
                if published.machines[cell] >= k {
                    row.counts = ReportRow.Counts(events: published.events[cell], machines: Int(published.machines[cell]))
                }
                groupRows.append(row)
            }
            groupRows.sort(by: ReportRow.publishedOrder)
            rows += groupRows
        }
        return UsageReport(
            range: range, k: k, granularity: granularity, rows: rows,
            input: InputSummary(
                objects: statistics.objects, duplicates: statistics.duplicates, rejectedLines: statistics.rejectedLines,
                rejectedObjects: statistics.rejectedObjects, objectsWithTrailingJunk: statistics.objectsWithTrailingJunk,
                movedAside: statistics.movedAsideObjects, erased: statistics.erased))
    }
}

/// What was read: for the operator (progress, the closing line on stderr), not published as is,
/// since the number of events read minus the published total would be the suppressed remainder.
package struct ReadStatistics: Sendable, Equatable {
    package var objects = 0
    package var bytes = 0
    package var lines = 0
    /// Distinct events read (after de-duplication), suppressed ones included.
    package var events = 0
    package var duplicates = 0
    package var rejectedLines: [LineRejection: Int] = [:]
    package var rejectedObjects: [ObjectRejection: Int] = [:]
    /// Objects whose members were counted but that had bytes after them that were not a member.
    package var objectsWithTrailingJunk = 0
    package var ignoredObjects = 0
    /// Objects whose partial came from the local cache, and objects fetched from the store.
    package var cachedObjects = 0
    package var fetchedObjects = 0
    /// Days listed and read again because objects listed were gone when fetched (compacted or
    /// expired meanwhile).
    package var rereadDays = 0
    /// Objects of the range's days under `rejected/` (moved aside by `compact --move-rejected`):
    /// listed, never read.
    package var movedAsideObjects = 0
    /// Why the objects moved aside could not be listed (an older reader policy), if so.
    package var movedAsideUnlisted: String?
    /// Lines rejected, all reasons together.
    package var malformedLines: Int { rejectedLines.values.reduce(0, +) }
    /// Objects not counted, all reasons together.
    package var unreadableObjects: Int { rejectedObjects.values.reduce(0, +) }
    /// Events whose timestamp is on another day than their `dt=` partition (counted under the partition).
    package var misplaced = 0
    /// Distinct events left out because an erasure request names them.
    package var erased = 0

    package init() {}

    /// `41 objects, 41,000 events, 2.6 MB`, for progress lines.
    package var summary: String {
        let tenths = Int((Double(bytes) / 100_000).rounded())
        return "\(TextFormatting.grouped(objects)) object\(objects == 1 ? "" : "s"), "
            + "\(TextFormatting.grouped(events)) event\(events == 1 ? "" : "s"), \(tenths / 10).\(tenths % 10) MB"
    }
}

/// One object's (event, OS, build) label triples → the aggregator's combination (-1: not yet):
/// a flat array when the object has few labels (nearly always), a dictionary otherwise.
private struct CombinationCache {
    private let labels: Int
    private var dense: [Int32]
    private var sparse: [Triple: Int32] = [:]
    static let maxDenseLabels = 32

    init(labels: Int) {
        self.labels = labels
        dense = labels <= Self.maxDenseLabels ? [Int32](repeating: -1, count: labels * labels * labels) : []
    }

    subscript(entry: ObjectPartial.Entry) -> Int32 {
        get {
            if labels <= Self.maxDenseLabels { return dense[slot(entry)] }
            return sparse[key(entry)] ?? -1
        }
        set {
            if labels <= Self.maxDenseLabels {
                dense[slot(entry)] = newValue
            } else {
                sparse[key(entry)] = newValue
            }
        }
    }

    private func slot(_ entry: ObjectPartial.Entry) -> Int { (Int(entry.event) * labels + Int(entry.os)) * labels + Int(entry.build) }
    private func key(_ entry: ObjectPartial.Entry) -> Triple { Triple(event: entry.event, os: entry.os, build: entry.build) }

    private struct Triple: Hashable {
        var event: UInt32
        var os: UInt32
        var build: UInt32
    }
}
