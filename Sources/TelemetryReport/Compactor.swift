import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore

/// Rewrites each day's objects into as few as possible: one per day, split only when its NDJSON
/// passes `maxObjectBytes`. Only envelopes the report would count are kept, each event once (the
/// first copy in key order, the one the report counts): each object is read by the report's own
/// reading (`ObjectPartial.readKeepingLines`), which also gives each counted line as stored. The
/// new objects are written write-once (`If-None-Match: *`) under keys no client writes
/// (`compacted-…`; clients' batch IDs start with a digit), and the originals are deleted only
/// after every new object of the day is stored. So at any moment, a `kill -9` included, the
/// partition holds the originals, the new objects, or both, and the report (which de-duplicates
/// by event ID) publishes the same rows from each. Objects the report rejects as a whole (not
/// gzip, damaged, too large) are left in place, or with `moveRejected` copied write-once under
/// `PartitionLayout.rejectedRoot` and then deleted, so that reports stop paying for them (one
/// larger than `limits.maxCompressedBytes` is never fetched, so it stays). With `erasures`, the
/// events of machines that asked to be forgotten are left out of the new objects: compacting a
/// range is the erasure sweep.
package struct Compactor: Sendable {
    package let client: S3Client
    package let layout: PartitionLayout
    /// NDJSON bytes per new object before it is split (at most `limits.maxDecompressedBytes / 2`).
    package var maxObjectBytes: Int
    package var limits = ObjectLimits.standard
    package var pageSize: Int?
    package var retry = RetryPolicy()
    package var concurrency = 8
    /// Move unreadable objects aside (see the type's comment).
    package var moveRejected = false
    /// The erasure requests carried out: their events are left out of the objects written, and a
    /// day already compacted into one object is rewritten when it holds any.
    package var erasures = ErasureSet()

    package static let defaultMaxObjectBytes = 256 << 20

    package init(client: S3Client, layout: PartitionLayout, maxObjectBytes: Int = Compactor.defaultMaxObjectBytes) {
        self.client = client
        self.layout = layout
        self.maxObjectBytes = maxObjectBytes
    }

    /// What compacting one day did.
    package struct DayResult: Sendable, Equatable {
        package var day: CivilDate
        package var originals = 0
        package var written = 0
        package var deleted = 0
        package var events = 0
        /// Copies of an event left out (within and across objects, an erased event's included).
        package var duplicatesDropped = 0
        /// Events left out because an erasure request names them.
        package var erased = 0
        /// Lines the report rejects, left out (by `LineRejection`: too long ones included); lines of
        /// a gzip member that did not end are dropped uncounted, as the report drops them.
        package var linesDropped = 0
        /// Objects not readable as a whole, left in place.
        package var keptUnreadable = 0
        /// Objects not readable as a whole, moved under `rejected/`.
        package var movedRejected = 0
        /// Already one compacted object: nothing done.
        package var skipped = false
    }

    package func compact(day: CivilDate) async throws -> DayResult {
        var result = DayResult(day: day)
        let listing = try await PartitionListing(client: client, layout: layout, day: day, pageSize: pageSize, retry: retry).list()
        result.originals = listing.objects.count
        let alreadyCompact = listing.objects.count == 1 && layout.isCompacted(listing.objects[0].key)
        if listing.objects.isEmpty || (alreadyCompact && erasures.isEmpty) {
            result.skipped = true
            return result
        }
        var writer = CompactedWriter(maxObjectBytes: maxObjectBytes)
        var toDelete: [String] = []
        var seen: Set<UInt64> = []
        var tasks: [(PartitionListing.Object, Task<Data?, any Error>)] = []
        var next = 0
        let objects = listing.objects
        var uploads: [(key: String, body: Data)] = []
        var moves: [(key: String, target: String, body: Data)] = []
        defer { tasks.forEach { $0.1.cancel() } }
        while next < objects.count || !tasks.isEmpty {
            while next < objects.count && tasks.count < concurrency {
                let object = objects[next]
                next += 1
                if object.size > Int64(limits.maxCompressedBytes) {
                    result.keptUnreadable += 1
                    continue
                }
                let client = self.client, retry = self.retry
                tasks.append((object, Task { try await StoredObject.get(object.key, client: client, retry: retry) }))
            }
            guard !tasks.isEmpty else { break }
            let (object, task) = tasks.removeFirst()
            guard let body = try await task.value else { continue }  // deleted meanwhile
            // Which lines count is the report's own rule (`ObjectPartialBuilder`), applied to the
            // same bytes; it keeps each counted line as stored.
            let (partial, lines) = ObjectPartial.readKeepingLines(
                body, partition: day, limits: limits.forObject(object.key, layout: layout), erasures: erasures)
            if partial.rejection != nil {
                if moveRejected, let target = layout.rejectedKey(for: object.key) {
                    moves.append((object.key, target, body))
                } else {
                    result.keptUnreadable += 1
                }
                continue
            }
            // Across the day's objects, as the report merges them (`UsageAggregator.merge`): the
            // first copy of an event in key order is the one counted, and an erased event's
            // later copies are copies.
            for (index, entry) in partial.entries.enumerated() {
                guard seen.insert(entry.eventHash).inserted else {
                    result.duplicatesDropped += 1
                    continue
                }
                result.events += 1
                if let full = try writer.append(lines[index]) { uploads.append((newKey(day: day), full)) }
            }
            for hash in partial.erased {
                if seen.insert(hash).inserted {
                    result.erased += 1
                } else {
                    result.duplicatesDropped += 1
                }
            }
            result.duplicatesDropped += partial.duplicates
            result.linesDropped += partial.rejectedLines.values.reduce(0, +)
            toDelete.append(object.key)
        }
        if alreadyCompact && result.erased == 0 && moves.isEmpty {
            // One compacted object holding nothing to erase: left as it is.
            result = DayResult(day: day, originals: 1, skipped: true)
            return result
        }
        if let last = try writer.finish() { uploads.append((newKey(day: day), last)) }
        for upload in uploads {
            try await putOnce(upload.body, day: day, key: upload.key)
            result.written += 1
        }
        for key in toDelete {
            try await delete(key)
            result.deleted += 1
        }
        // Moved: the copy is stored (or was, by an earlier run that was stopped) before the
        // original goes, so the object is always in one place or both.
        for move in moves {
            let target = move.target
            do {
                _ = try await RetryingRequest(client: client, policy: retry).run {
                    try await client.putObject(key: target, body: move.body, writeOnce: true)
                }
            } catch let error as S3Error where error.status == 412 {
                // Already there: an earlier run copied it and stopped before deleting.
            } catch let error as S3Error {
                throw ReportError.store("cannot move \(move.key) aside to \(target): \(error)")
            }
            try await delete(move.key)
            result.movedRejected += 1
        }
        return result
    }

    /// A new compacted key of `day` (see `PartitionLayout.compactedKey`).
    func newKey(day: CivilDate) -> String {
        let stamp = Timestamp.basicISO8601(seconds: WallClock.nowMilliseconds() / 1000)
        return layout.compactedKey(day: day, stamp: stamp, random: Hex.encode(RandomBytes.make(8)))
    }

    /// Write-once; a 412 (a key taken, which a random name makes all but impossible) picks another name.
    private func putOnce(_ body: Data, day: CivilDate, key: String) async throws {
        var key = key
        for attempt in 1...retry.maxAttempts {
            do {
                let chosen = key
                _ = try await RetryingRequest(client: client, policy: retry).run {
                    try await client.putObject(key: chosen, body: body, contentType: PartitionLayout.objectContentType, writeOnce: true)
                }
                return
            } catch let error as S3Error where error.status == 412 && attempt < retry.maxAttempts {
                key = newKey(day: day)
            } catch let error as S3Error {
                throw ReportError.store("cannot write \(key): \(error)")
            }
        }
    }

    private func delete(_ key: String) async throws {
        do {
            try await RetryingRequest(client: client, policy: retry).run { _ = try await client.deleteObject(key: key) }
        } catch let error as S3Error where error.code == .noSuchKey {
            return
        } catch let error as S3Error {
            throw ReportError.store("cannot delete \(key): \(error)")
        }
    }
}

/// Collects NDJSON lines into gzip objects of at most `maxObjectBytes` of NDJSON each.
struct CompactedWriter {
    let maxObjectBytes: Int
    private var buffer: [UInt8] = []

    init(maxObjectBytes: Int) {
        self.maxObjectBytes = maxObjectBytes
    }

    /// Adds a line; returns a finished object when the line would not fit in the current one.
    mutating func append(_ line: some Collection<UInt8>) throws -> Data? {
        var full: Data?
        if !buffer.isEmpty && buffer.count + line.count + 1 > maxObjectBytes {
            full = try Gzip.compress(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        return full
    }

    mutating func finish() throws -> Data? {
        guard !buffer.isEmpty else { return nil }
        defer { buffer.removeAll() }
        return try Gzip.compress(buffer)
    }
}
