import TelemetryCore

/// The most one object of the bucket may cost the report. Every client can write the bucket, so
/// an object is bounded before it is fetched (its listed size), while it is inflated (the bytes
/// it expands to) and line by line (the longest line kept): a gzip bomb costs at most
/// `maxDecompressedBytes` of inflating, never that much memory.
package struct ObjectLimits: Sendable, Equatable {
    /// Larger objects (by their listed size) are not fetched.
    package var maxCompressedBytes: Int
    /// An object that expands past this is rejected as a whole ("too large").
    package var maxDecompressedBytes: Int
    /// A longer line is rejected ("line too long") without being held.
    package var maxLineBytes: Int

    /// 64 MiB fetched, 512 MiB inflated (compaction writes at most 256 MiB per object), 64 KiB a line.
    package static let standard = ObjectLimits(
        maxCompressedBytes: 64 << 20, maxDecompressedBytes: 512 << 20, maxLineBytes: 64 << 10)

    package init(maxCompressedBytes: Int, maxDecompressedBytes: Int, maxLineBytes: Int) {
        self.maxCompressedBytes = maxCompressedBytes
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxLineBytes = maxLineBytes
    }

    /// The limits for the object at `key`: one a client uploaded holds at most the largest batch a
    /// client may send (`ValueRange.batchBytes`), so a gzip bomb under an upload key costs no more
    /// than an honest batch; only compacted objects may hold more.
    package func forObject(_ key: String, layout: PartitionLayout) -> ObjectLimits {
        guard !layout.isCompacted(key) else { return self }
        var limits = self
        limits.maxDecompressedBytes = min(maxDecompressedBytes, ValueRange.batchBytes.upperBound)
        return limits
    }
}
