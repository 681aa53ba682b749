/// The bucket's object layout, owned here and nowhere else: the flusher's keys
/// `<prefix>events/v1/dt=YYYY-MM-DD/<batch-id>.ndjson.gz`, the report's and compaction's reading
/// of them, the retention rule's prefix, and the prefix an upload-only key is granted.
package struct PartitionLayout: Sendable, Equatable {
    /// The normalised key prefix (empty, or ending with `/`).
    package let prefix: String

    /// `configuredPrefix` as a user wrote it: a non-empty prefix gets a trailing `/`, so keys
    /// read `prefix/events/v1/…`; leading `/`s (an empty first path segment) are dropped.
    package init(prefix configuredPrefix: String) {
        var result = Substring(configuredPrefix)
        while result.hasPrefix("/") { result = result.dropFirst() }
        prefix = result.isEmpty || result.hasSuffix("/") ? String(result) : result + "/"
    }

    /// `<prefix>events/v1/`: every partition is under it; all an uploader may write.
    package var eventsRoot: String { prefix + "events/v1/" }

    /// `<prefix>rejected/v1/`: where `compact --move-rejected` moves objects that are not
    /// readable gzip NDJSON, by the same `dt=DAY/<name>`, so that no report pays for them again.
    package var rejectedRoot: String { prefix + "rejected/v1/" }

    /// Where the object at `key` (under `eventsRoot`) goes when it is moved aside.
    package func rejectedKey(for key: String) -> String? {
        guard key.hasPrefix(eventsRoot) else { return nil }
        return rejectedRoot + key.dropFirst(eventsRoot.count)
    }

    /// The prefix of one day's objects moved aside: `<prefix>rejected/v1/dt=YYYY-MM-DD/`.
    package func rejectedPartitionPrefix(_ day: CivilDate) -> String { rejectedRoot + "dt=\(day.description)/" }

    /// `<prefix>erasures/v1/`: the machines' erasure requests ("forget me"), one write-once object
    /// each; an uploader may write here too (PutObject only).
    package var erasuresRoot: String { prefix + "erasures/v1/" }

    /// `<prefix>erasures/`: what the retention rule's second rule expires.
    package var erasuresRetentionPrefix: String { prefix + "erasures/" }

    /// One request: `<prefix>erasures/v1/<anonymous-id>/<yyyyMMddTHHmmssSSSZ>.json`.
    package func erasureKey(anonymousID: String, stamp: String) -> String {
        erasuresRoot + anonymousID + "/" + stamp + ".json"
    }

    /// `<prefix>events/`: what the retention rule expires.
    package var retentionPrefix: String { prefix + "events/" }

    /// The prefix of one day's partition: `<prefix>events/v1/dt=YYYY-MM-DD/`.
    package func partitionPrefix(_ day: CivilDate) -> String { partitionPrefix(day: day.description) }

    /// The prefix of the partition of `day`, given as `YYYY-MM-DD`.
    package func partitionPrefix(day: String) -> String { eventsRoot + "dt=\(day)/" }

    /// What every object of the layout ends with: gzip NDJSON.
    package static let objectExtension = ".ndjson.gz"
    /// The `Content-Type` of every events object, a client's batch or a compacted day alike.
    package static let objectContentType = "application/gzip"

    /// A client's batch: `…/dt=DAY/<batch-id>.ndjson.gz`, where a batch ID starts with its
    /// time stamp (`20261123T185020123Z-<16 hex>`), so it is never a compacted name.
    package func batchKey(day: String, batchID: String) -> String {
        partitionPrefix(day: day) + batchID + Self.objectExtension
    }

    /// What the name of every object written by compaction starts with.
    package static let compactedNamePrefix = "compacted-"

    /// A compacted object: `…/dt=DAY/compacted-<stamp>-<random>.ndjson.gz`; it sorts after
    /// every client batch of the day and never takes a client's key.
    package func compactedKey(day: CivilDate, stamp: String, random: String) -> String {
        partitionPrefix(day) + Self.compactedNamePrefix + stamp + "-" + random + Self.objectExtension
    }

    /// Whether a key names an object written by compaction.
    package func isCompacted(_ key: String) -> Bool {
        (key.split(separator: "/").last ?? "").hasPrefix(Self.compactedNamePrefix)
    }

    /// The partition day of an object key, or nil for anything else under the prefix.
    package func partition(ofKey key: String) -> CivilDate? {
        guard key.hasPrefix(eventsRoot) else { return nil }
        let rest = key.dropFirst(eventsRoot.count)
        guard rest.hasPrefix("dt="), rest.hasSuffix(Self.objectExtension) else { return nil }
        let afterDt = rest.dropFirst(3)
        guard afterDt.count > 11, afterDt.dropFirst(10).first == "/" else { return nil }
        let name = afterDt.dropFirst(11)
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return CivilDate(afterDt.prefix(10))
    }
}
