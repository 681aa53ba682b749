import Foundation
import TelemetryCore
import TelemetryStore

/// The batch objects of one day's partition, from a ListObjectsV2 listing of that partition's own
/// prefix (`…/dt=YYYY-MM-DD/`): no `start-after`, which stores interpret differently (SeaweedFS
/// skips the keys inside the "folder" it names). The store is not trusted to end or to sort: a
/// repeated continuation token, too many pages or too many keys stop the report with one line;
/// keys are de-duplicated and sorted here, so copies listed twice count once and the order of the
/// result never depends on the store's.
struct PartitionListing {
    /// One object of the partition.
    struct Object: Sendable, Equatable {
        var key: String
        var etag: String
        var size: Int64
    }

    /// The objects of the partition, sorted by key, and how many keys under it were not batches.
    struct Result: Sendable {
        var objects: [Object]
        var ignored: Int
    }

    /// Most keys one partition may list (a day of a very large community is ~100,000).
    static let maxKeys = 5_000_000
    /// Most pages, empty ones included.
    static let maxPages = 200_000
    /// Most truncated pages in a row without a single key.
    static let maxEmptyPages = 100

    let client: S3Client
    let layout: PartitionLayout
    let day: CivilDate
    let pageSize: Int?
    var retry = RetryPolicy()
    /// List the day's objects moved aside (`PartitionLayout.rejectedPartitionPrefix`) instead.
    var rejected = false

    func list() async throws -> Result {
        let prefix = rejected ? layout.rejectedPartitionPrefix(day) : layout.partitionPrefix(day)
        var byKey: [String: Object] = [:]
        var ignored = Set<String>()
        var token: String?
        var tokens: Set<String> = []
        var pages = 0
        var listed = 0
        var emptyInARow = 0
        while true {
            let page = try await fetchPage(prefix: prefix, token: token)
            pages += 1
            listed += page.objects.count
            emptyInARow = page.objects.isEmpty ? emptyInARow + 1 : 0
            for object in page.objects {
                let inDay =
                    rejected
                    ? object.key.hasPrefix(prefix) && object.key.count > prefix.count && !object.key.dropFirst(prefix.count).contains("/")
                    : layout.partition(ofKey: object.key) == day
                if inDay {
                    byKey[object.key] = Object(key: object.key, etag: object.etag, size: object.size)
                } else if object.key.hasPrefix(prefix) {
                    ignored.insert(object.key)
                }
            }
            guard page.isTruncated, let next = page.nextContinuationToken, !next.isEmpty else { break }
            guard tokens.insert(next).inserted else {
                throw ReportError.store("the listing of \(prefix) does not end: the store repeated a continuation token")
            }
            guard pages < Self.maxPages, listed < Self.maxKeys, emptyInARow < Self.maxEmptyPages else {
                throw ReportError.store(
                    "the listing of \(prefix) does not end: over \(Self.maxPages) pages, \(Self.maxKeys) keys or \(Self.maxEmptyPages) empty pages in a row")
            }
            token = next
        }
        let objects = byKey.values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return Result(objects: objects, ignored: ignored.count)
    }

    private func fetchPage(prefix: String, token: String?) async throws -> ListPage {
        do {
            return try await RetryingRequest(client: client, policy: retry).run {
                try await client.listObjectsV2(prefix: prefix, continuationToken: token, maxKeys: pageSize)
            }
        } catch let error as S3Error {
            throw ReportError.store("cannot list \(prefix): \(error)")
        }
    }
}
