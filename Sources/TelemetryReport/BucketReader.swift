import Foundation
import TelemetryCore
import TelemetryUpload

/// Reads the objects of a date range from the store into a `UsageAggregator`: each day's
/// partition listed by its own prefix (a few days ahead, in parallel), then its objects fetched,
/// inflated and parsed a few at a time (in parallel, within a budget of listed bytes in flight)
/// and merged in key order, day after day. With a `cache`, objects whose key and ETag are cached
/// are not fetched, and the cache learns the others. Retryable failures are retried with backoff.
public struct BucketReader: Sendable {
    public let client: S3Client
    public let layout: PartitionLayout
    public var pageSize: Int?
    /// Objects fetched at once.
    public var concurrency: Int
    /// Days listed at once (ahead of the one being read).
    public var listConcurrency = 8
    /// The most listed bytes of objects being fetched at once (one object is always allowed).
    public var maxBytesInFlight = 128 << 20
    public var limits = ObjectLimits.standard
    public var retry = RetryPolicy()
    public var cache: ReportCache?

    public init(client: S3Client, layout: PartitionLayout, pageSize: Int? = nil, concurrency: Int = 8, cache: ReportCache? = nil) {
        self.client = client
        self.layout = layout
        self.pageSize = pageSize
        self.concurrency = max(1, concurrency)
        self.cache = cache
    }

    /// Where a read stands, for a progress line.
    public struct Progress: Sendable {
        public var statistics: ReadStatistics
        public var day: CivilDate
        /// Days of the range fully read, and the range's days.
        public var daysDone: Int
        public var days: Int
        /// Objects listed so far, and objects merged so far.
        public var objectsListed: Int
        public var objectsDone: Int
    }

    private enum Pending {
        case ready(ObjectPartial?)
        case cached(Data)
        case fetching(Task<ObjectPartial?, any Error>)
    }

    private struct Item {
        var day: CivilDate
        var object: PartitionListing.Object
        var pending: Pending
        var lastOfDay: Bool
    }

    /// Reads every object of `range` into `aggregator`; `progress` is called after each object.
    public func read(
        range: ReportRange, into aggregator: inout UsageAggregator, progress: (Progress) -> Void = { _ in }
    ) async throws {
        let days = (0..<range.dayCount).map { range.from.adding(days: $0) }
        var listings: [Int: Task<PartitionListing.Result, any Error>] = [:]
        var queue: [Item] = []
        var head = 0
        defer {
            listings.values.forEach { $0.cancel() }
            for item in queue[head...] { if case .fetching(let task) = item.pending { task.cancel() } }
        }
        var fetching = 0
        var bytesInFlight = 0
        var toSave: [CivilDate: [(key: String, etag: String, partial: ObjectPartial)]] = [:]
        var listed = 0, done = 0, daysDone = 0

        // Merges the oldest queued object (awaiting it if it is still being fetched).
        func mergeHead() async throws {
            let item = queue[head]
            queue[head].pending = .ready(nil)
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            var partial: ObjectPartial?
            switch item.pending {
            case .ready(let value):
                partial = value
            case .cached(let blob):
                partial = PartialCoding.decode(blob)
                if partial == nil {
                    // A damaged cache row: read the object from the store after all.
                    partial = try await Self.fetch(item.object, day: item.day, client: client, retry: retry, limits: limits)
                    if let partial { toSave[item.day, default: []].append((item.object.key, item.object.etag, partial)) }
                    aggregator.statistics.fetchedObjects += 1
                } else {
                    aggregator.statistics.cachedObjects += 1
                }
            case .fetching(let task):
                fetching -= 1
                bytesInFlight -= Int(item.object.size)
                partial = try await task.value
                aggregator.statistics.fetchedObjects += 1
                if let partial { toSave[item.day, default: []].append((item.object.key, item.object.etag, partial)) }
            }
            if let partial { aggregator.merge(partial, partition: item.day) }
            done += 1
            if item.lastOfDay { try saveDay(item.day) }
            progress(
                Progress(
                    statistics: aggregator.statistics, day: item.day, daysDone: daysDone, days: days.count, objectsListed: listed,
                    objectsDone: done))
        }

        var dayListings: [CivilDate: (keys: Set<String>, stale: [String])] = [:]
        func saveDay(_ day: CivilDate) throws {
            daysDone += 1
            guard let cache, let listing = dayListings.removeValue(forKey: day) else { return }
            try cache.update(day: day, listed: listing.keys, stale: listing.stale, saving: toSave.removeValue(forKey: day) ?? [])
        }

        var nextListing = 0
        for (index, day) in days.enumerated() {
            while nextListing < days.count && nextListing < index + listConcurrency {
                let listing = PartitionListing(client: client, layout: layout, day: days[nextListing], pageSize: pageSize, retry: retry)
                listings[nextListing] = Task { try await listing.list() }
                nextListing += 1
            }
            let listing = try await listings.removeValue(forKey: index)!.value
            for _ in 0..<listing.ignored { aggregator.recordIgnoredObject() }
            listed += listing.objects.count
            let cachedRows = try cache?.rows(day: day) ?? [:]
            if cache != nil {
                let keys = Set(listing.objects.map(\.key))
                dayListings[day] = (keys, cachedRows.keys.filter { !keys.contains($0) })
            }
            if listing.objects.isEmpty {
                try saveDay(day)
                progress(
                    Progress(
                        statistics: aggregator.statistics, day: day, daysDone: daysDone, days: days.count, objectsListed: listed,
                        objectsDone: done))
                continue
            }
            for (position, object) in listing.objects.enumerated() {
                let last = position == listing.objects.count - 1
                let pending: Pending
                if let row = cachedRows[object.key], row.etag == object.etag {
                    pending = .cached(row.partial)
                } else if object.size > Int64(limits.maxCompressedBytes) {
                    let rejected = ObjectPartial.rejected(.tooLarge, storedBytes: 0)
                    toSave[day, default: []].append((object.key, object.etag, rejected))
                    pending = .ready(rejected)
                } else {
                    let size = Int(max(0, object.size))
                    while fetching > 0 && (fetching >= concurrency || bytesInFlight + size > maxBytesInFlight) {
                        try await mergeHead()
                    }
                    let client = self.client, retry = self.retry, limits = self.limits
                    pending = .fetching(Task { try await Self.fetch(object, day: day, client: client, retry: retry, limits: limits) })
                    fetching += 1
                    bytesInFlight += size
                }
                queue.append(Item(day: day, object: object, pending: pending, lastOfDay: last))
                // Objects that need no fetch are merged at once when nothing is ahead of them.
                while head < queue.count, !Self.isFetching(queue[head].pending) { try await mergeHead() }
            }
        }
        while head < queue.count { try await mergeHead() }
    }

    private static func isFetching(_ pending: Pending) -> Bool {
        if case .fetching = pending { return true }
        return false
    }

    /// GETs one object (retrying what is retryable) and reads it into a partial; nil when it was
    /// deleted since the listing (expired by the retention rule, or compacted).
    static func fetch(
        _ object: PartitionListing.Object, day: CivilDate, client: S3Client, retry: RetryPolicy, limits: ObjectLimits
    ) async throws -> ObjectPartial? {
        try await StoredObject.get(object.key, client: client, retry: retry).map { ObjectPartial.read($0, partition: day, limits: limits) }
    }
}
