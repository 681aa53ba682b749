import Foundation
import TelemetryCore

/// Temporary credentials from `fetch`, fetched again before they expire: from half their
/// lifetime before the end, at most `maxMargin` (5 minutes) before it, so a long report or
/// compaction never signs with expired keys. Concurrent callers share one fetch. A refresh that
/// fails while the credentials in hand have time left keeps them and tries again later.
/// Credentials already expired when they arrive are refused, naming the source.
package actor RefreshingCredentials: AWSCredentialsProvider {
    /// The source, as named in errors and by `doctor`.
    package nonisolated let source: String
    /// The most time before expiry at which credentials are fetched again.
    package static let maxMargin: TimeInterval = 300
    /// After a failed refresh, the credentials in hand are used this long before the next try
    /// (while they have more than this left; otherwise the failure is thrown).
    package static let retryAfterFailure: TimeInterval = 30
    private let fetch: @Sendable () async throws -> AWSCredentials
    private let clock: @Sendable () -> Date
    private var current: AWSCredentials?
    private var refreshAt: Date?
    private var inFlight: Task<AWSCredentials, any Error>?
    /// How many times credentials were fetched.
    package private(set) var fetches = 0

    package init(
        source: String, clock: @escaping @Sendable () -> Date = Date.init,
        fetch: @escaping @Sendable () async throws -> AWSCredentials
    ) {
        self.source = source
        self.clock = clock
        self.fetch = fetch
    }

    package func credentials() async throws -> AWSCredentials {
        if let current, refreshAt.map({ clock() < $0 }) ?? true { return current }
        if let inFlight { return try await inFlight.value }
        // The whole refresh, the fallback to the credentials in hand included, is the shared
        // task: every caller waiting on it gets the same answer.
        let task = Task { try await refresh() }
        inFlight = task
        defer { inFlight = nil }
        return try await task.value
    }

    private func refresh() async throws -> AWSCredentials {
        let fresh: AWSCredentials
        do {
            fresh = try await fetch()
        } catch {
            // An early refresh that failed (STS briefly down) is not the end of a long job: the
            // credentials in hand still work until they expire; try again in a while.
            let now = clock()
            guard let current, let expiration = current.expiration, expiration.timeIntervalSince(now) > Self.retryAfterFailure else { throw error }
            refreshAt = now.addingTimeInterval(Self.retryAfterFailure)
            return current
        }
        let now = clock()
        fetches += 1
        if let expiration = fresh.expiration {
            guard expiration > now else {
                throw CredentialSourceError(source, "gave credentials that expired at \(CredentialExpiration.text(expiration))")
            }
            refreshAt = expiration.addingTimeInterval(-min(Self.maxMargin, expiration.timeIntervalSince(now) / 2))
        } else {
            refreshAt = nil
        }
        current = fresh
        return fresh
    }
}
