import TelemetryCore

/// How a re-run reads a span of days whose summary is cached (`SpanSummary`): the summary stands
/// for the objects it covers when each of them is still listed with the same ETag (else there is
/// no plan: a compaction or the retention rule changed the span, and it is read object by
/// object); the other objects listed are new, read and merged after it, each day's new events
/// checked against the events its covered objects hold.
struct SpanPlan {
    /// An object the summary does not cover, and its place in its day's listing (key order).
    struct NewObject {
        var day: CivilDate
        var object: PartitionListing.Object
        var position: Int
    }

    /// The new objects, by day then key.
    private(set) var newObjects: [NewObject] = []
    /// Objects the summary covers.
    private(set) var covered = 0
    /// The new objects' listed bytes.
    private(set) var newBytes: Int64 = 0
    /// Per day with new objects: the events of its covered objects (`SpanSummary.dayEvents`).
    private(set) var seen: [CivilDate: EventHashSet] = [:]
    /// Per day: the listing position of its last covered object.
    private var lastCovered: [CivilDate: Int] = [:]

    /// The plan for `span`, whose days list `listings`, under the rows `summaries`; nil when the
    /// summary covers an object that is no longer listed, or listed with another ETag.
    init?(summaries: [SpanSummary], span: DaySpan, listings: [CivilDate: [PartitionListing.Object]]) {
        var covers: [CivilDate: [String: String]] = [:]
        for summary in summaries {
            for object in summary.objects {
                // An object covered twice is not a summary a run writes.
                guard covers[span.first.adding(days: object.day), default: [:]].updateValue(object.etag, forKey: object.key) == nil
                else { return nil }
            }
        }
        for offset in 0..<span.dayCount {
            let day = span.first.adding(days: offset)
            var uncovered = covers[day] ?? [:]
            for (position, object) in (listings[day] ?? []).enumerated() {
                if let etag = uncovered.removeValue(forKey: object.key) {
                    guard etag == object.etag else { return nil }
                    covered += 1
                    lastCovered[day] = position
                } else {
                    newObjects.append(NewObject(day: day, object: object, position: position))
                    newBytes += max(0, object.size)
                }
            }
            guard uncovered.isEmpty else { return nil }
        }
        for day in Set(newObjects.map(\.day)) {
            let offset = span.offset(of: day)
            let hashes = summaries.map { $0.dayEvents[offset] ?? [] }
            var set = EventHashSet(capacity: hashes.reduce(0) { $0 + $1.count })
            for list in hashes {
                for hash in list { _ = set.insert(hash) }
            }
            seen[day] = set
        }
    }

    /// Whether the new objects' partials (`partials[i]` of `newObjects[i]`) merged after the
    /// summary count what a cold run counts: a cold run counts the first copy of an event in key
    /// order, so a new object that shares an event with a covered object must come after every
    /// covered object of its day (else the copy counted could differ).
    func admits(_ partials: [ObjectPartial]) -> Bool {
        for (new, partial) in zip(newObjects, partials) {
            guard let last = lastCovered[new.day], new.position < last, let seen = seen[new.day] else { continue }
            if partial.entries.contains(where: { seen.contains($0.eventHash) }) || partial.erased.contains(where: { seen.contains($0) }) {
                return false
            }
        }
        return true
    }

    /// Hands the day's covered events over (to seed the aggregator's de-duplication).
    mutating func takeSeen(_ day: CivilDate) -> EventHashSet {
        seen.removeValue(forKey: day) ?? EventHashSet()
    }
}
