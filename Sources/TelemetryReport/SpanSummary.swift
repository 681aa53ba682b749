/// What the objects of one span of days (`DaySpan`) contributed to a report, as the report's
/// cache keeps it: the span's atoms (a machine's count per event, OS and build, the machine by
/// its 64-bit key and the labels by their text, so that it merges into any aggregator), the
/// input figures, which objects (key and ETag, by day) it covers, and per day the distinct event
/// hashes those objects hold, so that a new object of the day is de-duplicated against them
/// exactly as when the day is read object by object. A span's summary is a base row and the
/// delta rows of later runs, each a `SpanSummary` of the objects it adds.
struct SpanSummary: Sendable, Equatable {
    /// One atom: `count` events of machine `machine` with the labels at these indices.
    struct Atom: Sendable, Equatable {
        var machine: UInt64
        var event: UInt32
        var os: UInt32
        var build: UInt32
        var count: UInt64
    }

    /// One object covered: its day (as an offset in the span), key and ETag.
    struct Object: Sendable, Equatable {
        var day: Int
        var key: String
        var etag: String
    }

    var labels: [String] = []
    var atoms: [Atom] = []
    var totals = ObjectTotals()
    var objects: [Object] = []
    /// Day offset → the distinct event hashes (counted or erased) first seen in these objects.
    var dayEvents: [Int: [UInt64]] = [:]
}
