import Foundation
import TelemetryUpload

/// One store request of the report or of compaction, retried while the failure is retryable
/// (5xx, 429, `SlowDown`, timeouts, refused connections) or a skewed clock that the store's
/// `Date` corrects, with the policy's backoff; any other `S3Error` is thrown as is.
enum StoreRetry {
    static func run<T: Sendable>(_ client: S3Client, _ retry: RetryPolicy, _ operation: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let error as S3Error where attempt < retry.maxAttempts && (error.isRetryable || client.correctClock(from: error)) {
                try await Task.sleep(nanoseconds: UInt64(retry.delay(afterAttempt: attempt, random: Double.random(in: 0...1)) * 1e9))
                attempt += 1
            }
        }
    }

    /// GET Object, or nil when the key is gone (expired, compacted) since it was listed.
    static func get(_ key: String, client: S3Client, retry: RetryPolicy) async throws -> Data? {
        do {
            return try await run(client, retry) { try await client.getObject(key: key) }
        } catch let error as S3Error where error.code == "NoSuchKey" {
            return nil
        } catch let error as S3Error {
            throw ReportError.store("cannot read \(key): \(error)")
        }
    }
}
