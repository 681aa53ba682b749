import Foundation

/// What compaction and retention need besides PUT and GET.
extension S3Client {
    /// DELETE Object (a missing key is not an error on S3).
    @discardableResult
    package func deleteObject(key: String) async throws -> S3Response {
        try await send("DELETE", key: key, resource: key)
    }
}
