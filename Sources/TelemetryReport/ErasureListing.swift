import Foundation
import TelemetryCore
import TelemetryStore

/// The erasure requests in the store: every object under `<prefix>erasures/v1/`, listed (bounded,
/// as partitions are) and read a few at a time, each at most `ErasureRequest.maxObjectBytes`. An
/// object that is larger, or is not exactly a request under its own key, is counted as rejected and
/// changes nothing; one deleted since the listing (expired) is skipped.
package struct ErasureListing: Sendable {
    package let client: S3Client
    package let layout: PartitionLayout
    package var pageSize: Int?
    package var retry = RetryPolicy()
    /// Objects read at once.
    package var concurrency = 16

    /// Most keys listed: a million machines asking once.
    static let maxKeys = 1_000_000
    static let maxPages = 100_000

    package init(client: S3Client, layout: PartitionLayout, pageSize: Int? = nil) {
        self.client = client
        self.layout = layout
        self.pageSize = pageSize
    }

    /// What was read.
    package struct Result: Sendable, Equatable {
        package var erasures = ErasureSet()
        /// Objects under the prefix that are not a request (too large, malformed, under another key).
        package var rejected = 0
    }

    package func read() async throws -> Result {
        let objects = try await list()
        var result = Result()
        var next = 0
        try await withThrowingTaskGroup(of: ErasureRequest?.self) { group in
            func start() {
                let (key, size) = objects[next]
                next += 1
                let client = self.client, retry = self.retry, layout = self.layout
                group.addTask {
                    guard size <= Int64(ErasureRequest.maxObjectBytes) else { return nil }
                    guard let body = try await Self.get(key, client: client, retry: retry) else { return nil }
                    return ErasureRequest.parse(Array(body), key: key, layout: layout)
                }
            }
            while next < objects.count && next < concurrency { start() }
            while let request = try await group.next() {
                if let request { result.erasures.add(request) } else { result.rejected += 1 }
                if next < objects.count { start() }
            }
        }
        return result
    }

    /// A request's bytes, at most `maxObjectBytes` (more: nil, rejected); an object gone meanwhile is
    /// an empty body (rejected as well: it can no longer be honoured, and has expired).
    static func get(_ key: String, client: S3Client, retry: RetryPolicy) async throws -> Data? {
        do {
            return try await RetryingRequest(client: client, policy: retry).run {
                try await client.getObject(key: key, maxBytes: ErasureRequest.maxObjectBytes)
            }
        } catch let error as S3Error where error.code == "NoSuchKey" || error.code == "ResponseTooLarge" {
            return nil
        } catch let error as S3Error {
            throw ReportError.store("cannot read the erasure request \(key): \(error)")
        }
    }

    /// The keys and sizes under the prefix, sorted, each once.
    func list() async throws -> [(key: String, size: Int64)] {
        let prefix = layout.erasuresRoot
        var byKey: [String: Int64] = [:]
        var token: String?
        var tokens: Set<String> = []
        var pages = 0
        var emptyInARow = 0
        while true {
            let page: ListPage
            do {
                page = try await RetryingRequest(client: client, policy: retry).run {
                    try await client.listObjectsV2(prefix: prefix, continuationToken: token, maxKeys: pageSize)
                }
            } catch let error as S3Error {
                throw ReportError.store(
                    "cannot list the erasure requests under \(prefix): \(error) (`cfdev-telemetry policy --role reader` shows the rights needed)")
            }
            pages += 1
            emptyInARow = page.objects.isEmpty ? emptyInARow + 1 : 0
            for object in page.objects where object.key.hasPrefix(prefix) { byKey[object.key] = object.size }
            guard page.isTruncated, let next = page.nextContinuationToken, !next.isEmpty else { break }
            guard tokens.insert(next).inserted else {
                throw ReportError.store("the listing of \(prefix) does not end: the store repeated a continuation token")
            }
            guard pages < Self.maxPages, byKey.count < Self.maxKeys, emptyInARow < PartitionListing.maxEmptyPages else {
                throw ReportError.store(
                    "the listing of \(prefix) does not end: over \(Self.maxPages) pages, \(Self.maxKeys) keys or \(PartitionListing.maxEmptyPages) empty pages in a row"
                )
            }
            token = next
        }
        return byKey.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
