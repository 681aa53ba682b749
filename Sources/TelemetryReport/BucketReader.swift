import Foundation
import TelemetryUpload

/// Reads the objects of a date range from the store into a `UsageAggregator`: one listing
/// starting after `dt=FROM` and stopping at the first key past `dt=TO` (continuation tokens for
/// the pages), signed GETs a few at a time in listing order, gunzip, lines. At most
/// `concurrency` objects are held at once; retryable failures are retried with backoff.
public struct BucketReader: Sendable {
    public let client: S3Client
    public let layout: PartitionLayout
    public var pageSize: Int?
    public var concurrency: Int
    public var retry = RetryPolicy()

    public init(client: S3Client, layout: PartitionLayout, pageSize: Int? = nil, concurrency: Int = 4) {
        self.client = client
        self.layout = layout
        self.pageSize = pageSize
        self.concurrency = max(1, concurrency)
    }

    /// Reads every object of `range` into `aggregator`; `progress` is called after each object.
    public func read(
        range: ReportRange, into aggregator: inout UsageAggregator,
        progress: (ReadStatistics, CivilDate) -> Void = { _, _ in }
    ) async throws {
        var listing = RangeListing(client: client, layout: layout, range: range, pageSize: pageSize)
        var inFlight: [(day: CivilDate, key: String, task: Task<Data, any Error>)] = []
        defer { inFlight.forEach { $0.task.cancel() } }
        var listingDone = false
        while true {
            while !listingDone && inFlight.count < concurrency {
                guard let next = try await listing.next(onIgnored: { aggregator.recordIgnoredObject() }) else {
                    listingDone = true
                    break
                }
                let client = self.client, retry = self.retry, key = next.key
                inFlight.append((next.day, key, Task { try await Self.fetch(key, client: client, retry: retry) }))
            }
            guard !inFlight.isEmpty else { break }
            let (day, key, task) = inFlight.removeFirst()
            let body: Data
            do {
                body = try await task.value
            } catch let error as S3Error where error.code == "NoSuchKey" {
                continue  // deleted since the listing (expired by the retention rule): nothing to count
            } catch let error as S3Error {
                throw ReportError.store("cannot read \(key): \(error)")
            }
            aggregator.statistics.bytes += body.count
            do {
                aggregator.ingest(object: try Gzip.decompress(body), partition: day)
            } catch {
                aggregator.recordUnreadableObject()
            }
            progress(aggregator.statistics, day)
        }
    }

    static func fetch(_ key: String, client: S3Client, retry: RetryPolicy) async throws -> Data {
        var attempt = 1
        while true {
            do {
                return try await client.getObject(key: key)
            } catch let error as S3Error where attempt < retry.maxAttempts && (error.isRetryable || client.correctClock(from: error)) {
                try await Task.sleep(nanoseconds: UInt64(retry.delay(afterAttempt: attempt, random: Double.random(in: 0...1)) * 1e9))
                attempt += 1
            }
        }
    }
}

/// The keys of a range's partitions, page by page, in listing order.
struct RangeListing {
    let client: S3Client
    let layout: PartitionLayout
    let range: ReportRange
    let pageSize: Int?
    private var buffer: [ListedObject] = []
    private var token: String?
    private var started = false
    private var finished = false

    init(client: S3Client, layout: PartitionLayout, range: ReportRange, pageSize: Int?) {
        self.client = client
        self.layout = layout
        self.range = range
        self.pageSize = pageSize
    }

    /// The next batch object of the range, or nil at its end; keys under a partition that are
    /// not batches are passed to `onIgnored`.
    mutating func next(onIgnored: () -> Void) async throws -> (day: CivilDate, key: String)? {
        let end = layout.listEnd(to: range.to)
        while true {
            if buffer.isEmpty {
                guard !finished else { return nil }
                try await fetchPage()
                continue
            }
            let object = buffer.removeFirst()
            if PartitionLayout.isAtOrPast(object.key, end) {
                finished = true
                buffer.removeAll()
                return nil
            }
            guard let day = layout.partition(ofKey: object.key), range.contains(day) else {
                onIgnored()
                continue
            }
            return (day, object.key)
        }
    }

    private mutating func fetchPage() async throws {
        var attempt = 1
        let retry = RetryPolicy()
        while true {
            do {
                let page = try await client.listObjectsV2(
                    prefix: layout.eventsRoot, startAfter: started ? nil : layout.listStart(from: range.from),
                    continuationToken: token, maxKeys: pageSize)
                started = true
                buffer = page.objects
                token = page.nextContinuationToken
                if !page.isTruncated || token == nil { finished = true }
                return
            } catch let error as S3Error {
                guard attempt < retry.maxAttempts && (error.isRetryable || client.correctClock(from: error)) else {
                    throw ReportError.store("cannot list \(layout.eventsRoot): \(error)")
                }
                try await Task.sleep(nanoseconds: UInt64(retry.delay(afterAttempt: attempt, random: Double.random(in: 0...1)) * 1e9))
                attempt += 1
            }
        }
    }
}
