import Crypto
import Foundation
import TelemetryCore

/// Why a whole object was not counted; the raw value is the name published in the input summary
/// (JSON `rejected_objects`).
package enum ObjectRejection: String, CaseIterable, Sendable, Comparable {
    /// Not gzip (nor zlib) data.
    case notGzip = "not_gzip"
    /// Its first gzip member is damaged or cut short.
    case damaged
    /// Over `ObjectLimits` (listed size or inflated size): not read, or not read to the end.
    case tooLarge = "too_large"

    package static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What one object contributes to a report before it is merged with the others: its distinct
/// events (each reduced to a hash of its event ID, a machine key and label indices) and what was
/// rejected in it. Built by `ObjectPartial.read`, merged by `UsageAggregator.merge`, kept by the
/// report's cache; a cold run and a cached run therefore merge exactly the same values.
package struct ObjectPartial: Sendable, Equatable {
    /// One distinct event of the object.
    package struct Entry: Sendable, Equatable {
        /// The first 64 bits of SHA-256 of the event ID.
        package var eventHash: UInt64
        /// The first 64 bits of the anonymous ID (an HMAC output); the ID itself is not kept.
        package var machine: UInt64
        /// Indices into `labels`.
        package var event: UInt32
        package var os: UInt32
        package var build: UInt32
        /// The event's timestamp is on a neighbouring day of its partition.
        package var misplaced: Bool
    }

    /// The labels (event names, OSes, builds) the entries point to.
    package var labels: [String] = []
    package var entries: [Entry] = []
    /// Non-blank lines read, rejected ones included.
    package var lines = 0
    /// Copies of an event inside this object (counted once).
    package var duplicates = 0
    package var rejectedLines: [LineRejection: Int] = [:]
    /// The event-ID hashes of its distinct events erased by a request (`ErasureSet`): not in
    /// `entries`, counted as erased.
    package var erased: [UInt64] = []
    /// Set when the object as a whole was not counted (then it has no entries).
    package var rejection: ObjectRejection?
    /// Bytes after its last complete gzip member that were not one (its members were counted).
    package var hasTrailingJunk = false
    /// Its size in the store.
    package var storedBytes = 0

    package init() {}

    /// A partial for an object that is not counted at all.
    package static func rejected(_ reason: ObjectRejection, storedBytes: Int) -> ObjectPartial {
        var partial = ObjectPartial()
        partial.rejection = reason
        partial.storedBytes = storedBytes
        return partial
    }

    /// Reads the gzip NDJSON `body` of an object of partition `day`, within `limits`; events
    /// `erasures` names go to `erased`.
    package static func read(_ body: Data, partition day: CivilDate, limits: ObjectLimits, erasures: ErasureSet = ErasureSet()) -> ObjectPartial {
        read(body, partition: day, limits: limits, erasures: erasures, keepingLines: false).partial
    }

    /// The same, with the line of each entry as stored (`lines[i]` is `entries[i]`'s): what
    /// compaction writes, so that it keeps exactly the lines a report counts, by the same rules.
    static func readKeepingLines(
        _ body: Data, partition day: CivilDate, limits: ObjectLimits, erasures: ErasureSet = ErasureSet()
    ) -> (partial: ObjectPartial, lines: EntryLines) {
        let result = read(body, partition: day, limits: limits, erasures: erasures, keepingLines: true)
        return (result.partial, result.lines ?? EntryLines())
    }

    private static func read(
        _ body: Data, partition day: CivilDate, limits: ObjectLimits, erasures: ErasureSet, keepingLines: Bool
    ) -> (partial: ObjectPartial, lines: EntryLines?) {
        guard body.count <= limits.maxCompressedBytes else { return (.rejected(.tooLarge, storedBytes: body.count), nil) }
        var builder = ObjectPartialBuilder(partition: day, erasures: erasures, keepingLines: keepingLines)
        let ending = GzipLineDecoder(limits: limits).decode(
            body, line: { builder.add(line: $0) }, longLine: { builder.reject(.tooLong) }, memberEnd: { builder.checkpoint() })
        var partial: ObjectPartial
        var lines: EntryLines?
        switch ending {
        case .complete:
            (partial, lines) = (builder.finish(), builder.lines)
        case .trailingJunk:
            builder.rollback()
            (partial, lines) = (builder.finish(), builder.lines)
            partial.hasTrailingJunk = true
        case .notGzip:
            partial = .rejected(.notGzip, storedBytes: 0)
        case .damaged:
            partial = .rejected(.damaged, storedBytes: 0)
        case .tooLarge:
            partial = .rejected(.tooLarge, storedBytes: 0)
        }
        partial.storedBytes = body.count
        return (partial, lines)
    }

    /// Reads already decompressed NDJSON (for callers that hold plain text).
    package static func read(
        ndjson: Data, partition day: CivilDate, limits: ObjectLimits = .standard, erasures: ErasureSet = ErasureSet()
    ) -> ObjectPartial {
        var builder = ObjectPartialBuilder(partition: day, erasures: erasures)
        var splitter = LineSplitter(maxLine: limits.maxLineBytes)
        ndjson.withUnsafeBytes { bytes in
            splitter.feed(bytes, line: { builder.add(line: $0) }, longLine: { builder.reject(.tooLong) })
        }
        splitter.finish(line: { builder.add(line: $0) }, longLine: { builder.reject(.tooLong) })
        var partial = builder.finish()
        partial.storedBytes = ndjson.count
        return partial
    }

    /// The first 64 bits of SHA-256 of an event ID: copies are recognised by it.
    package static func eventHash(_ eventID: String) -> UInt64 {
        var id = eventID
        return id.withUTF8 { eventHash(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The same for the ID's UTF-8 bytes.
    static func eventHash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        let digest = SHA256.hash(data: bytes)
        return digest.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// The machine key of an anonymous ID (64 hex digits): its first 64 bits.
    package static func machineKey(_ anonymousID: String) -> UInt64 {
        UInt64(anonymousID.prefix(16), radix: 16) ?? 0
    }
}

/// The bytes of the lines behind an object's entries, in order (compaction writes them).
struct EntryLines {
    private var bytes: [UInt8] = []
    /// Where each line ends in `bytes`.
    private var ends: [Int] = []

    var count: Int { ends.count }

    subscript(index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    mutating func append(_ line: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
    }

    /// Drops every line after the first `count`.
    mutating func keepFirst(_ count: Int) {
        guard count < ends.count else { return }
        bytes.removeSubrange((count == 0 ? 0 : ends[count - 1])...)
        ends.removeSubrange(count...)
    }
}

/// Accumulates one object's lines into an `ObjectPartial`; `checkpoint()` marks the end of a
/// gzip member, `rollback()` drops what came after the last mark (a member that did not end).
/// A plain ASCII line (nearly every line) is judged on its bytes (`PlainEnvelope`), with no
/// string made per line; any other line goes through `EnvelopeLineParser`, which decides it the
/// same way. This is the one rule of which lines count, for the report and for compaction alike:
/// built `keepingLines`, it also keeps the line of each entry (`lines`), dropped with the entry
/// on a rollback.
struct ObjectPartialBuilder {
    let partition: CivilDate
    let erasures: ErasureSet
    /// The line of each entry of `partial.entries`, when kept.
    private(set) var lines: EntryLines?
    private var partial = ObjectPartial()
    private var labelIndex = LabelTable()
    private var seen = EventHashSet()
    /// The state at the last member end: counts only (entries and labels are only appended).
    private var mark = (entries: 0, labels: 0, lines: 0, duplicates: 0, rejected: [LineRejection: Int](), erased: 0)
    private let parser = EnvelopeLineParser()
    private var days = PlainEnvelope.DayCache()

    init(partition: CivilDate, erasures: ErasureSet = ErasureSet(), keepingLines: Bool = false) {
        self.partition = partition
        self.erasures = erasures
        if keepingLines { lines = EntryLines() }
    }

    mutating func add(line bytes: UnsafeRawBufferPointer) {
        partial.lines += 1
        let entries = partial.entries.count
        if let scanned = EnvelopeScanner.scanRaw(bytes), scanned.ascii {
            addPlain(scanned.fields)
        } else {
            switch parser.check(bytes: bytes) {
            case .failure(let error):
                partial.rejectedLines[error.reason, default: 0] += 1
            case .success(let event):
                add(event)
            }
        }
        if partial.entries.count != entries { lines?.append(bytes) }
    }

    mutating func reject(_ reason: LineRejection) {
        partial.lines += 1
        partial.rejectedLines[reason, default: 0] += 1
    }

    /// One parsed event; rejected when its day is more than a day away from the partition's.
    mutating func add(_ event: ReportEvent) {
        let distance = event.day.daysSinceEpoch - partition.daysSinceEpoch
        guard abs(distance) <= 1 else {
            partial.rejectedLines[.outsidePartition, default: 0] += 1
            return
        }
        let hash = ObjectPartial.eventHash(event.eventID)
        guard seen.insert(hash) else {
            partial.duplicates += 1
            return
        }
        if !erasures.isEmpty && erasures.erases(anonymousID: event.anonymousID, timestamp: event.timestamp) {
            partial.erased.append(hash)
            return
        }
        partial.entries.append(
            ObjectPartial.Entry(
                eventHash: hash, machine: ObjectPartial.machineKey(event.anonymousID), event: label(event.event),
                os: label(event.os), build: label(event.build), misplaced: distance != 0))
    }

    /// One plain ASCII line's fields, judged exactly as `EnvelopeLineParser.validate` and
    /// `add(_:)` judge the same line's strings. A label already interned passed its check.
    private mutating func addPlain(_ fields: EnvelopeScanner.RawFields) {
        let event = labelIndex.find(fields.event)
        let os = labelIndex.find(fields.os)
        let build = labelIndex.find(fields.build)
        let knownEvent = event.index.map { labelIndex.has($0, .event) } ?? false
        guard fields.schema >= 1, PlainEnvelope.isEventID(fields.eventID), knownEvent || PlainEnvelope.isEventName(fields.event),
            PlainEnvelope.isAnonymousID(fields.anonymousID),
            os.index.map({ labelIndex.has($0, .label) }) ?? false || PlainEnvelope.isLabel(fields.os),
            build.index.map({ labelIndex.has($0, .label) }) ?? false || PlainEnvelope.isLabel(fields.build),
            let day = days.day(ofTimestamp: fields.timestamp)
        else {
            partial.rejectedLines[.invalidValue, default: 0] += 1
            return
        }
        guard knownEvent || PlainEnvelope.isCatalogEvent(fields.event) else {
            partial.rejectedLines[.unknownEvent, default: 0] += 1
            return
        }
        let distance = day - partition.daysSinceEpoch
        guard abs(distance) <= 1 else {
            partial.rejectedLines[.outsidePartition, default: 0] += 1
            return
        }
        let hash = ObjectPartial.eventHash(bytes: fields.eventID)
        guard seen.insert(hash) else {
            partial.duplicates += 1
            return
        }
        // (Strings here only when there are erasure requests, and then only for this check.)
        if !erasures.isEmpty
            && erasures.erases(
                anonymousID: String(decoding: fields.anonymousID, as: UTF8.self),
                timestamp: String(decoding: fields.timestamp, as: UTF8.self))
        {
            partial.erased.append(hash)
            return
        }
        let eventLabel = plainLabel(fields.event, event, as: .event)
        let osLabel = plainLabel(fields.os, os, as: .label)
        let buildLabel = plainLabel(fields.build, build, as: .label)
        partial.entries.append(
            ObjectPartial.Entry(
                eventHash: hash, machine: PlainEnvelope.machineKey(fields.anonymousID), event: eventLabel, os: osLabel,
                build: buildLabel, misplaced: distance != 0))
    }

    /// The index of a checked label found (or not) before; interned now if it was not.
    private mutating func plainLabel(_ bytes: UnsafeRawBufferPointer, _ found: LabelTable.Lookup, as role: LabelTable.Role) -> UInt32 {
        if let index = found.index {
            labelIndex.mark(index, role)
            return index
        }
        // The same text may have been interned by an earlier field of this very line.
        if let index = labelIndex.find(bytes).index {
            labelIndex.mark(index, role)
            return index
        }
        let index = UInt32(partial.labels.count)
        partial.labels.append(String(decoding: bytes, as: UTF8.self))
        labelIndex.insert(bytes, hash: found.hash, index: index, role)
        return index
    }

    private mutating func label(_ text: String) -> UInt32 {
        var text = text
        return text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            let found = labelIndex.find(bytes)
            if let index = found.index { return index }
            let index = UInt32(partial.labels.count)
            partial.labels.append(String(decoding: bytes, as: UTF8.self))
            labelIndex.insert(bytes, hash: found.hash, index: index, nil)
            return index
        }
    }

    mutating func checkpoint() {
        mark = (partial.entries.count, partial.labels.count, partial.lines, partial.duplicates, partial.rejectedLines, partial.erased.count)
    }

    mutating func rollback() {
        partial.entries.removeSubrange(mark.entries...)
        lines?.keepFirst(mark.entries)
        partial.erased.removeSubrange(mark.erased...)
        seen = EventHashSet(capacity: partial.entries.count + partial.erased.count)
        for entry in partial.entries { _ = seen.insert(entry.eventHash) }
        for hash in partial.erased { _ = seen.insert(hash) }
        partial.labels.removeSubrange(mark.labels...)
        labelIndex.keepFirst(mark.labels)
        partial.lines = mark.lines
        partial.duplicates = mark.duplicates
        partial.rejectedLines = mark.rejected
    }

    func finish() -> ObjectPartial { partial }
}
