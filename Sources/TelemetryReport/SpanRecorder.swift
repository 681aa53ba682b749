import TelemetryCore

/// What the aggregator records while it merges the objects of one span of days, to be kept as
/// that span's summary (`SpanSummary`): the atoms those objects added (by the aggregator's dense
/// indices), their input figures, the objects, and per day the event hashes first seen in them.
/// A merge of a day outside the span spoils it (nothing is kept rather than a wrong summary), and
/// so does a span of more than `maxEvents` events: the record is let go at once, so that what
/// filling the cache adds to a report's memory is bounded however many events a period holds
/// (such a span is read again object by object, from the partials' rows, by later runs).
struct SpanRecorder {
    /// The most event hashes one record holds: 4 Mi, 32 MiB.
    static let defaultMaxEvents = 4 << 20

    let span: DaySpan
    let maxEvents: Int
    private(set) var atoms = AtomTable()
    var totals = ObjectTotals()
    var objects: [SpanSummary.Object] = []
    var dayEvents: [Int: [UInt64]] = [:]
    /// Whether the record was given up (`spoil()`): nothing of it will be kept.
    private(set) var spoiled = false
    /// The day being merged (its offset), and the hashes first seen in it so far.
    private var day: Int?
    private var events: [UInt64] = []
    private var recordedEvents = 0

    init(span: DaySpan, maxEvents: Int = Self.defaultMaxEvents) {
        self.span = span
        self.maxEvents = maxEvents
    }

    /// The aggregator moves on to partition `date`.
    mutating func enter(_ date: CivilDate) {
        flush()
        if span.contains(date) {
            day = span.offset(of: date)
        } else {
            day = nil
            spoil()
        }
    }

    /// An event hash first seen in the current day (counted or erased).
    mutating func seen(_ hash: UInt64) {
        guard !spoiled else { return }
        recordedEvents += 1
        guard recordedEvents <= maxEvents else { return spoil() }
        events.append(hash)
    }

    /// An atom counted once more by an event of the span.
    mutating func add(_ atom: UInt64) {
        if !spoiled { atoms.add(atom) }
    }

    /// Gives the record up, and the memory it holds.
    mutating func spoil() {
        spoiled = true
        atoms = AtomTable()
        dayEvents = [:]
        events = []
        objects = []
    }

    mutating func flush() {
        guard !events.isEmpty else { return }
        if let day {
            dayEvents[day, default: []].append(contentsOf: events)
        } else {
            spoil()
        }
        events.removeAll(keepingCapacity: true)
    }
}
