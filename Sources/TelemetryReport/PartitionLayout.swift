/// The object layout the flusher writes: `<prefix>events/v1/dt=YYYY-MM-DD/<batch-id>.ndjson.gz`.
public struct PartitionLayout: Sendable, Equatable {
    /// The normalised key prefix (empty, or ending with `/`).
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    /// `<prefix>events/v1/`: every partition is under it.
    public var eventsRoot: String { prefix + "events/v1/" }

    /// `<prefix>events/`: what the retention rule expires.
    public var retentionPrefix: String { prefix + "events/" }

    /// Where a listing for a range starts: just before the first key of `from`'s partition.
    public func listStart(from: CivilDate) -> String { eventsRoot + "dt=\(from)" }

    /// Every key of partition `to` sorts below this; the first key at or above it is past the range.
    public func listEnd(to: CivilDate) -> String { eventsRoot + "dt=\(to)0" }

    /// The partition day of a batch key, or nil for anything else under the prefix.
    public func partition(ofKey key: String) -> CivilDate? {
        guard key.hasPrefix(eventsRoot) else { return nil }
        let rest = key.dropFirst(eventsRoot.count)
        guard rest.hasPrefix("dt="), rest.hasSuffix(".ndjson.gz") else { return nil }
        let afterDt = rest.dropFirst(3)
        guard afterDt.count > 11, afterDt.dropFirst(10).first == "/" else { return nil }
        let name = afterDt.dropFirst(11)
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return CivilDate(afterDt.prefix(10))
    }

    /// Whether `key` sorts at or past `bound` in S3's order (UTF-8 bytes).
    static func isAtOrPast(_ key: String, _ bound: String) -> Bool {
        !key.utf8.lexicographicallyPrecedes(bound.utf8)
    }
}
