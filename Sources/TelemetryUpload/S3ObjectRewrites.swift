import Foundation

/// The writes compaction needs besides a plain PUT: a write-once PUT and a DELETE.
extension S3Client {
    /// PUT Object with `If-None-Match: *`: the store refuses (412 `PreconditionFailed`) when the
    /// key exists, so an object is never overwritten.
    @discardableResult
    public func putObjectIfAbsent(key: String, body: Data, contentType: String = "application/octet-stream")
        async throws -> S3Response
    {
        try await send(
            "PUT", key: key,
            headers: [("content-md5", Self.contentMD5(body)), ("content-type", contentType), ("if-none-match", "*")],
            body: body, resource: key)
    }

    /// DELETE Object (a missing key is not an error on S3).
    @discardableResult
    public func deleteObject(key: String) async throws -> S3Response {
        try await send("DELETE", key: key, resource: key)
    }
}
