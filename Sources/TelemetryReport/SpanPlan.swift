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
    /// Per day with new objects: the events of its covered objects (each row's `SpanSummary.dayEvents`).
    private var coveredEvents: [CivilDate: [[UInt64]]] = [:]
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
            coveredEvents[day] = summaries.compactMap { $0.dayEvents[span.offset(of: day)] }
        }
    }

    /// The events of the new objects (`partials[i]` of `newObjects[i]`) that their day's covered
    /// objects hold already, by day: merged after the summary with these taken as seen, the new
    /// objects count what they count in a cold run, where the first copy in key order counts. So
    /// nil when a new object that holds such a copy comes before a covered object of its day (the
    /// copy counted could differ).
    func repeats(_ partials: [ObjectPartial]) -> [CivilDate: EventHashSet]? {
        var objectsOfDay: [CivilDate: [Int]] = [:]
        for (index, new) in newObjects.enumerated() { objectsOfDay[new.day, default: []].append(index) }
        var repeats: [CivilDate: EventHashSet] = [:]
        for (day, indices) in objectsOfDay {
            // The day's new events, then a pass over its covered events (far more) against them.
            var newEvents = EventHashSet()
            for index in indices {
                for entry in partials[index].entries { _ = newEvents.insert(entry.eventHash) }
                for hash in partials[index].erased { _ = newEvents.insert(hash) }
            }
            var found = EventHashSet()
            for list in coveredEvents[day] ?? [] {
                for hash in list where newEvents.contains(hash) { _ = found.insert(hash) }
            }
            if found.count > 0, let last = lastCovered[day] {
                for index in indices where newObjects[index].position < last {
                    let partial = partials[index]
                    if partial.entries.contains(where: { found.contains($0.eventHash) }) || partial.erased.contains(where: { found.contains($0) }) {
                        return nil
                    }
                }
            }
            repeats[day] = found
        }
        return repeats
    }
}
