import Foundation
import TelemetryCore
import TelemetryStore

/// Reads the objects of a date range from the store into a `UsageAggregator`: each day's
/// partition listed by its own prefix (a few days ahead, in parallel), then its objects fetched,
/// inflated and parsed a few at a time (in parallel, within a budget of listed bytes in flight)
/// and merged in key order, day after day. With a `cache`, objects whose key and ETag are cached
/// are not fetched, and the cache learns the others. Retryable failures are retried with backoff.
///
/// A day whose listed objects are gone when fetched (a compaction replaced them, or the retention
/// rule deleted them, meanwhile) is listed again and its new objects read, until a listing reads
/// whole: copies of an event count once, so what a compacted object holds a second time is not
/// counted twice. A day that stays inconsistent through `maxRereads` listings ends the read with
/// one line.
///
/// With a cache, each span of days (a period, or the part of it the range covers) read object by
/// object is also kept as a summary (`SpanSummary`); a re-run that finds a span's summary whose
/// objects are all still listed with the same ETags merges it and reads only the span's new
/// objects (`SpanPlan`), adding them to the summary as a delta row.
package struct BucketReader: Sendable {
    package let client: S3Client
    package let layout: PartitionLayout
    package var pageSize: Int?
    /// Objects fetched at once.
    package var concurrency: Int
    /// Days listed at once (ahead of the one being read).
    package var listConcurrency = 8
    /// The most listed bytes of objects being fetched at once (one object is always allowed):
    /// enough for a few compacted objects to be inflated on every core while others download;
    /// each costs about its size again while it is read (body, entries), so this bounds memory.
    package var maxBytesInFlight = 32 << 20
    package var limits = ObjectLimits.standard
    package var retry = RetryPolicy()
    package var cache: ReportCache?
    /// The erasure requests honoured: their events are counted as erased (give the cache a
    /// `variant` of `erasures.digest`, so that its partials are those of the same set).
    package var erasures = ErasureSet()
    /// The most times one day is listed again after objects vanished.
    package var maxRereads = 5

    package init(client: S3Client, layout: PartitionLayout, pageSize: Int? = nil, concurrency: Int = 8, cache: ReportCache? = nil) {
        self.client = client
        self.layout = layout
        self.pageSize = pageSize
        self.concurrency = max(1, concurrency)
        self.cache = cache
    }

    /// Where a read stands, for a progress line.
    package struct Progress: Sendable {
        package var statistics: ReadStatistics
        package var day: CivilDate
        /// Days of the range fully read, and the range's days.
        package var daysDone: Int
        package var days: Int
        /// Objects listed so far, and objects merged so far.
        package var objectsListed: Int
        package var objectsDone: Int
    }

    private enum Pending {
        case ready(ObjectPartial?)
        /// A cached row being checked and decoded (nil: the row is damaged, read the object).
        case cached(Task<ObjectPartial?, Never>, bytes: Int)
        case fetching(Task<ObjectPartial?, any Error>)
    }

    private struct Item {
        var day: CivilDate
        var object: PartitionListing.Object
        var pending: Pending
        var lastOfDay: Bool
    }

    /// Reads every object of `range` into `aggregator`; `progress` is called after each object.
    package func read(
        range: ReportRange, into aggregator: inout UsageAggregator, progress: (Progress) -> Void = { _ in }
    ) async throws {
        let days = (0..<range.dayCount).map { range.from.adding(days: $0) }
        let spans = cache == nil ? [] : DaySpan.spans(of: range, granularity: aggregator.granularity)
        var spanOfDay: [CivilDate: DaySpan] = [:]
        for span in spans {
            for offset in 0..<span.dayCount { spanOfDay[span.first.adding(days: offset)] = span }
        }
        // The span whose objects the aggregator records (read object by object), to keep as its summary.
        var recording: DaySpan?
        // Listings taken ahead of their day (a span's, to see whether its summary still holds).
        var taken: [Int: PartitionListing.Result] = [:]
        var listings: [Int: Task<PartitionListing.Result, any Error>] = [:]
        var asideListings: [Int: Task<PartitionListing.Result, any Error>] = [:]
        var queue: [Item] = []
        var head = 0
        defer {
            listings.values.forEach { $0.cancel() }
            asideListings.values.forEach { $0.cancel() }
            for item in queue[head...] {
                if case .fetching(let task) = item.pending { task.cancel() }
                if case .cached(let task, _) = item.pending { task.cancel() }
            }
        }
        var fetching = 0
        var bytesInFlight = 0
        var toSave: [CivilDate: [(key: String, etag: String, partial: ObjectPartial)]] = [:]
        var listed = 0, done = 0, daysDone = 0
        // Per day being read: the keys listed, and those gone when fetched.
        var dayKeys: [CivilDate: Set<String>] = [:]
        var vanished: [CivilDate: Set<String>] = [:]

        // Keeps a partial read from the store for the cache, until its day is saved; without a
        // cache nothing is kept (memory stays flat in the number of objects).
        func remember(_ partial: ObjectPartial, of object: PartitionListing.Object, day: CivilDate) {
            guard cache != nil else { return }
            toSave[day, default: []].append((object.key, object.etag, partial))
        }

        // Before an object of `day` is merged object by object: records `day`'s span (keeping the
        // span recorded before as its summary).
        func beginMerge(of day: CivilDate) throws {
            guard cache != nil, recording.map({ !$0.contains(day) }) ?? true else { return }
            try finishRecording()
            if let span = spanOfDay[day] {
                aggregator.startRecording(span)
                recording = span
            }
        }

        func finishRecording() throws {
            guard let cache, let span = recording else { return }
            recording = nil
            if let summary = aggregator.finishRecording() { try cache.saveSummary(summary, span: span) }
        }

        func merge(_ partial: ObjectPartial, of object: PartitionListing.Object, day: CivilDate) throws {
            try beginMerge(of: day)
            aggregator.merge(partial, partition: day)
            aggregator.recordObject(key: object.key, etag: object.etag, day: day)
        }

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
            case .cached(let task, let bytes):
                fetching -= 1
                bytesInFlight -= bytes
                partial = await task.value
                if partial == nil {
                    // A damaged cache row: read the object from the store after all.
                    partial = try await Self.fetch(
                        item.object, day: item.day, client: client, retry: retry, limits: limits.forObject(item.object.key, layout: layout),
                        erasures: erasures)
                    if let partial { remember(partial, of: item.object, day: item.day) }
                    if partial == nil { vanished[item.day, default: []].insert(item.object.key) }
                    aggregator.statistics.fetchedObjects += 1
                } else {
                    aggregator.statistics.cachedObjects += 1
                }
            case .fetching(let task):
                fetching -= 1
                bytesInFlight -= Int(item.object.size)
                partial = try await task.value
                aggregator.statistics.fetchedObjects += 1
                if let partial { remember(partial, of: item.object, day: item.day) }
                if partial == nil { vanished[item.day, default: []].insert(item.object.key) }
            }
            if let partial { try merge(partial, of: item.object, day: item.day) }
            done += 1
            if item.lastOfDay {
                if let gone = vanished.removeValue(forKey: item.day) { try await reread(item.day, gone: gone) }
                dayKeys[item.day] = nil
                try saveDay(item.day)
            }
            progress(
                Progress(
                    statistics: aggregator.statistics, day: item.day, daysDone: daysDone, days: days.count, objectsListed: listed,
                    objectsDone: done))
        }

        // Lists `day` again and reads the objects not read yet, until a listing reads whole
        // (the aggregator is still on `day`, so events already counted are copies).
        func reread(_ day: CivilDate, gone: Set<String>) async throws {
            aggregator.statistics.rereadDays += 1
            var read = (dayKeys[day] ?? []).subtracting(gone)
            for attempt in 1...maxRereads {
                let listing = try await PartitionListing(client: client, layout: layout, day: day, pageSize: pageSize, retry: retry).list()
                var whole = true
                for object in listing.objects where !read.contains(object.key) {
                    listed += 1
                    let partial: ObjectPartial?
                    if object.size > Int64(limits.maxCompressedBytes) {
                        partial = ObjectPartial.rejected(.tooLarge, storedBytes: 0)
                    } else {
                        partial = try await Self.fetch(
                            object, day: day, client: client, retry: retry, limits: limits.forObject(object.key, layout: layout),
                            erasures: erasures)
                        aggregator.statistics.fetchedObjects += 1
                    }
                    done += 1
                    guard let partial else {
                        whole = false
                        continue
                    }
                    read.insert(object.key)
                    remember(partial, of: object, day: day)
                    try merge(partial, of: object, day: day)
                }
                if cache != nil, let previous = dayListings[day] {
                    let keys = Set(listing.objects.map(\.key))
                    dayListings[day] = (keys, previous.stale + previous.keys.subtracting(keys))
                    toSave[day] = toSave[day]?.filter { keys.contains($0.key) }
                }
                if whole { return }
                if attempt < maxRereads { try await Task.sleep(nanoseconds: UInt64(attempt) * 200_000_000) }
            }
            throw ReportError.store(
                "the objects of \(day) kept vanishing while they were read (listed \(maxRereads + 1) times; a compaction or the retention rule deleting them?): run the report again")
        }

        var dayListings: [CivilDate: (keys: Set<String>, stale: [String])] = [:]
        func saveDay(_ day: CivilDate) throws {
            daysDone += 1
            guard let cache, let listing = dayListings.removeValue(forKey: day) else { return }
            try cache.update(day: day, listed: listing.keys, stale: listing.stale, saving: toSave.removeValue(forKey: day) ?? [])
        }

        var nextListing = 0
        func launchListings(through last: Int) {
            while nextListing < days.count && nextListing <= last {
                let listing = PartitionListing(client: client, layout: layout, day: days[nextListing], pageSize: pageSize, retry: retry)
                listings[nextListing] = Task { try await listing.list() }
                var aside = listing
                aside.rejected = true
                asideListings[nextListing] = Task { try await aside.list() }
                nextListing += 1
            }
        }
        // The listing of day `index` (awaited once; what it says of the day counted then).
        func takeListing(_ index: Int) async throws -> PartitionListing.Result {
            if let listing = taken.removeValue(forKey: index) { return listing }
            launchListings(through: index)
            let listing = try await listings.removeValue(forKey: index)!.value
            // What compaction moved aside is counted, never read; a reader key of an older
            // policy may not list it, which is said, not fatal.
            do {
                aggregator.statistics.movedAsideObjects += try await asideListings.removeValue(forKey: index)!.value.objects.count
            } catch {
                if aggregator.statistics.movedAsideUnlisted == nil { aggregator.statistics.movedAsideUnlisted = "\(error)" }
            }
            for _ in 0..<listing.ignored { aggregator.recordIgnoredObject() }
            listed += listing.objects.count
            return listing
        }

        // Reads `span` from its summary and its new objects, if the summary still holds and the
        // new objects can be merged after it as a cold run would; false to read it object by object.
        func readSummarised(_ span: DaySpan, summaries: ReportCache.SpanSummaries, listings spanListings: [CivilDate: [PartitionListing.Object]])
            async throws -> Bool
        {
            // A summary of the most rows it may have takes no more: the span is read object by
            // object and its summary written whole again.
            guard let cache, let plan = SpanPlan(summaries: summaries.rows, span: span, listings: spanListings),
                plan.newBytes <= Int64(maxBytesInFlight) * 2, plan.newObjects.isEmpty || summaries.rows.count < ReportCache.maxSummaryRows - 1
            else { return false }
            let fetched = try await fetchNew(plan.newObjects, cache: cache)
            guard let partials = fetched.partials, let repeats = plan.repeats(partials) else { return false }
            // The spans before are merged (and their summaries kept) first.
            while head < queue.count { try await mergeHead() }
            try finishRecording()
            for summary in summaries.rows { aggregator.merge(summary, span: span) }
            aggregator.statistics.cachedObjects += plan.covered + fetched.fromCache
            aggregator.statistics.fetchedObjects += plan.newObjects.count - fetched.fromCache
            aggregator.startRecording(span)
            var saving: [CivilDate: [(key: String, etag: String, partial: ObjectPartial)]] = [:]
            for (new, partial) in zip(plan.newObjects, partials) {
                if aggregator.partition != new.day { aggregator.enter(partition: new.day, seen: repeats[new.day] ?? EventHashSet()) }
                aggregator.merge(partial, partition: new.day)
                aggregator.recordObject(key: new.object.key, etag: new.object.etag, day: new.day)
                if !fetched.cached.contains(new.object.key) { saving[new.day, default: []].append((new.object.key, new.object.etag, partial)) }
            }
            let delta = aggregator.finishRecording()
            if let delta, !plan.newObjects.isEmpty { try cache.appendSummary(delta, span: span, to: summaries) }
            for (day, rows) in saving {
                try cache.update(day: day, listed: Set(spanListings[day]?.map(\.key) ?? []), stale: [], saving: rows)
            }
            done += plan.covered + plan.newObjects.count
            daysDone += span.dayCount
            progress(
                Progress(
                    statistics: aggregator.statistics, day: span.last, daysDone: daysDone, days: days.count, objectsListed: listed,
                    objectsDone: done))
            return true
        }

        var index = 0
        while index < days.count {
            let day = days[index]
            launchListings(through: index + listConcurrency - 1)
            if let cache, let span = spanOfDay[day], span.first == day, let summaries = try cache.summaries(span: span) {
                let last = index + span.dayCount - 1
                launchListings(through: last)
                var spanListings: [CivilDate: [PartitionListing.Object]] = [:]
                for spanIndex in index...last {
                    let listing = try await takeListing(spanIndex)
                    taken[spanIndex] = listing
                    spanListings[days[spanIndex]] = listing.objects
                }
                if try await readSummarised(span, summaries: summaries, listings: spanListings) {
                    for spanIndex in index...last { taken[spanIndex] = nil }
                    index = last + 1
                    continue
                }
            }
            index += 1
            let listing = try await takeListing(index - 1)
            let keys = Set(listing.objects.map(\.key))
            let cachedRows = try cache?.rows(day: day) ?? [:]
            if cache != nil {
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
            dayKeys[day] = keys
            for (position, object) in listing.objects.enumerated() {
                let last = position == listing.objects.count - 1
                let pending: Pending
                // A row that fails its MAC is not used: the object is read and the row rewritten.
                if let cache, let row = cachedRows[object.key], row.etag == object.etag {
                    while fetching > 0 && (fetching >= concurrency || bytesInFlight + row.partial.count > maxBytesInFlight) {
                        try await mergeHead()
                    }
                    pending = .cached(Task { cache.verified(row).flatMap(PartialCoding.decode) }, bytes: row.partial.count)
                    fetching += 1
                    bytesInFlight += row.partial.count
                } else if object.size > Int64(limits.maxCompressedBytes) {
                    let rejected = ObjectPartial.rejected(.tooLarge, storedBytes: 0)
                    remember(rejected, of: object, day: day)
                    pending = .ready(rejected)
                } else {
                    let size = Int(max(0, object.size))
                    while fetching > 0 && (fetching >= concurrency || bytesInFlight + size > maxBytesInFlight) {
                        try await mergeHead()
                    }
                    let client = self.client, retry = self.retry, limits = self.limits.forObject(object.key, layout: layout)
                    let erasures = self.erasures
                    pending = .fetching(
                        Task { try await Self.fetch(object, day: day, client: client, retry: retry, limits: limits, erasures: erasures) })
                    fetching += 1
                    bytesInFlight += size
                }
                queue.append(Item(day: day, object: object, pending: pending, lastOfDay: last))
                // Objects that need no fetch are merged at once when nothing is ahead of them.
                while head < queue.count, !Self.isFetching(queue[head].pending) { try await mergeHead() }
            }
        }
        while head < queue.count { try await mergeHead() }
        try finishRecording()
    }

    private static func isFetching(_ pending: Pending) -> Bool {
        if case .ready = pending { return false }
        return true
    }

    /// GETs one object (retrying what is retryable) and reads it into a partial; nil when it was
    /// deleted since the listing (expired by the retention rule, or compacted).
    static func fetch(
        _ object: PartitionListing.Object, day: CivilDate, client: S3Client, retry: RetryPolicy, limits: ObjectLimits,
        erasures: ErasureSet
    ) async throws -> ObjectPartial? {
        try await StoredObject.get(object.key, client: client, retry: retry).map {
            ObjectPartial.read($0, partition: day, limits: limits, erasures: erasures)
        }
    }
}
