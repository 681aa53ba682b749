import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TelemetryStore

/// A plain HTTP request to a test helper's control endpoint (moto's IAM and `/moto-api`, the
/// fault proxy's `/__fault__/…`), over `S3Client.defaultHTTPClient`.
package enum ControlRequest {
    /// Sends `method url` and returns the body of a 200 OK answer; any other status throws an
    /// error naming `what`, with the status and the answer.
    package static func send(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: Data? = nil, what: String,
        timeoutSeconds: Int64 = 30
    ) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await S3Client.defaultHTTPClient.execute(request, timeout: .seconds(timeoutSeconds))
        let data = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        guard response.status == .ok else {
            throw ProcessGroupError(message: "\(what): \(response.status.code) \(String(decoding: data.prefix(2000), as: UTF8.self))")
        }
        return data
    }
}
