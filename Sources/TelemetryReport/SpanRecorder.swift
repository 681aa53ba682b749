import TelemetryCore

/// What the aggregator records while it merges the objects of one span of days, to be kept as
/// that span's summary (`SpanSummary`): the atoms those objects added (by the aggregator's dense
/// indices), their input figures, the objects, and per day the event hashes first seen in them.
/// A merge of a day outside the span spoils it (nothing is kept rather than a wrong summary).
struct SpanRecorder {
    let span: DaySpan
    var atoms = AtomTable()
    var totals = ObjectTotals()
    var objects: [SpanSummary.Object] = []
    var dayEvents: [Int: [UInt64]] = [:]
    var spoiled = false
    /// The day being merged (its offset), and the hashes first seen in it so far.
    private var day: Int?
    private var events: [UInt64] = []

    init(span: DaySpan) {
        self.span = span
    }

    /// The aggregator moves on to partition `date`.
    mutating func enter(_ date: CivilDate) {
        flush()
        if span.contains(date) {
            day = span.offset(of: date)
        } else {
            day = nil
            spoiled = true
        }
    }

    /// An event hash first seen in the current day (counted or erased).
    mutating func seen(_ hash: UInt64) {
        events.append(hash)
    }

    mutating func flush() {
        guard !events.isEmpty else { return }
        if let day {
            dayEvents[day, default: []].append(contentsOf: events)
        } else {
            spoiled = true
        }
        events.removeAll(keepingCapacity: true)
    }
}
