import Foundation
import TelemetryStore

/// The report's and compaction's GET: through the one retry loop (`RetryingRequest`), and nil
/// when the key is gone (expired, compacted) since it was listed.
enum StoredObject {
    static func get(_ key: String, client: S3Client, retry: RetryPolicy) async throws -> Data? {
        do {
            return try await RetryingRequest(client: client, policy: retry).run { try await client.getObject(key: key) }
        } catch let error as S3Error where error.code == .noSuchKey {
            return nil
        } catch let error as S3Error {
            throw ReportError.store("cannot read \(key): \(error)")
        }
    }
}
