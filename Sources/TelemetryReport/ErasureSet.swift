import Crypto
import Foundation
import TelemetryCore

/// The erasure requests a report or a compaction honours: for each anonymous ID, the time of its
/// latest request. An event of that ID whose timestamp (to the millisecond) is at or before it is
/// erased: left out of every number, and out of every object compaction writes.
package struct ErasureSet: Sendable, Equatable {
    /// Anonymous ID → the latest request's time (epoch ms).
    package private(set) var cutoffs: [String: Int64] = [:]
    /// Requests read, the later ones of an ID included.
    package private(set) var requests = 0

    package init() {}

    package init(_ requests: some Sequence<ErasureRequest>) {
        for request in requests { add(request) }
    }

    /// Adds a request; of two for one ID, the later time wins.
    package mutating func add(_ request: ErasureRequest) {
        requests += 1
        cutoffs[request.anonymousID] = max(cutoffs[request.anonymousID] ?? Int64.min, request.requestedMs)
    }

    package var isEmpty: Bool { cutoffs.isEmpty }

    /// Whether the event of `anonymousID` at `timestamp` (an envelope timestamp) is erased.
    package func erases(anonymousID: String, timestamp: String) -> Bool {
        guard let cutoff = cutoffs[anonymousID], let ms = ErasureRequest.milliseconds(ofTimestamp: timestamp) else { return false }
        return ms <= cutoff
    }

    /// SHA-256 (hex) of the sorted ID and time pairs: what a cached partial read under this set
    /// depends on; "" for no request.
    package var digest: String {
        guard !cutoffs.isEmpty else { return "" }
        var text = ""
        for (id, ms) in cutoffs.sorted(by: { $0.key < $1.key }) { text += "\(id) \(ms)\n" }
        return Hex.encode(SHA256.hash(data: Data(text.utf8)))
    }
}
