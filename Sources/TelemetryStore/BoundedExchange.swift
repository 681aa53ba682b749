import AsyncHTTPClient
import Foundation
import NIOCore

/// One HTTP exchange with a hard time limit on all of it (connect, send, head and body) and a
/// bound on the body kept: past `maxBodyBytes` reading stops and the connection is dropped, so
/// an endless or huge answer costs neither time nor memory.
struct BoundedExchange: Sendable {
    /// What came back. `truncated`: the body had more than `maxBodyBytes`; only that much is kept.
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data
        var truncated: Bool
    }

    /// Thrown when the time limit passed before the whole answer was read.
    struct TimeLimitExceeded: Error, CustomStringConvertible {
        let seconds: TimeInterval
        var description: String { "no complete answer before the request timeout" }
    }

    let httpClient: HTTPClient
    let timeLimit: TimeInterval

    /// `maxBodyBytes(status)`: how much of the body to keep for that status (0 for HEAD).
    func perform(_ request: HTTPClientRequest, maxBodyBytes: @escaping @Sendable (Int) -> Int) async throws -> Answer {
        let httpClient = self.httpClient
        let limit = max(0.1, timeLimit)
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            group.addTask {
                // The client's own deadline too, a little later: it stops connects and heads
                // even if cancellation were slow to arrive.
                let deadline = NIODeadline.now() + .milliseconds(Int64(limit * 1000) + 250)
                let response = try await httpClient.execute(request, deadline: deadline)
                let status = Int(response.status.code)
                let headers = response.headers.map { ($0.name, $0.value) }
                let cap = maxBodyBytes(status)
                var body = Data()
                var truncated = false
                // A body announced with its length is read into one buffer of that size (never
                // over the cap): no copies while it grows.
                if cap > 0, let length = response.headers.first(name: "content-length").flatMap({ Int($0) }), length > 0 {
                    body.reserveCapacity(min(length, cap))
                }
                if cap > 0 {
                    for try await chunk in response.body {
                        let room = cap - body.count
                        if chunk.readableBytes > room {
                            body.append(contentsOf: chunk.readableBytesView.prefix(room))
                            truncated = true
                            break
                        }
                        body.append(contentsOf: chunk.readableBytesView)
                    }
                } else {
                    // Nothing wanted: the first chunk tells whether there was anything at all.
                    for try await chunk in response.body where chunk.readableBytes > 0 {
                        truncated = true
                        break
                    }
                }
                return Answer(status: status, headers: headers, body: body, truncated: truncated)
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(limit * 1_000_000_000))
                throw TimeLimitExceeded(seconds: limit)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TimeLimitExceeded(seconds: limit) }
            return first
        }
    }
}
