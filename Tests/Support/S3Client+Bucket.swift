import Foundation
@testable import TelemetryStore

/// Bucket calls only the tests make (the product never creates or probes a bucket).
extension S3Client {
    /// HEAD Bucket: succeeds when the bucket exists and the credentials may use it.
    @discardableResult
    package func headBucket() async throws -> S3Response {
        try await send("HEAD", key: nil, resource: endpoint.bucket)
    }

    /// PUT Bucket (with a `LocationConstraint` outside us-east-1).
    @discardableResult
    package func createBucket() async throws -> S3Response {
        var body = Data()
        var headers: [(String, String)] = []
        if endpoint.region != "us-east-1" {
            body = Data(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<LocationConstraint>\(endpoint.region)</LocationConstraint></CreateBucketConfiguration>").utf8)
            headers = [("content-type", "application/xml")]
        }
        return try await send("PUT", key: nil, headers: headers, body: body, resource: endpoint.bucket)
    }

    /// ListObjectsV2 from after `startAfter` (the product pages with continuation tokens).
    package func listObjectsV2(prefix: String, startAfter: String) async throws -> ListPage {
        try await listObjectsV2(query: [("prefix", prefix), ("start-after", startAfter)])
    }
}
