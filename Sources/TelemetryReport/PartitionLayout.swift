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

    /// The prefix of one day's partition: `<prefix>events/v1/dt=YYYY-MM-DD/`.
    public func partitionPrefix(_ day: CivilDate) -> String { eventsRoot + "dt=\(day)/" }

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
}
