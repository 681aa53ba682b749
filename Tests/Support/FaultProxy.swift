import Foundation

/// `fault_proxy.py` on 127.0.0.1 in front of a real test server: answers each request by a
/// scripted action (pass, 503 SlowDown, 500, 429, drop before/after forwarding, stall, delay,
/// clock-skew check…; see the script's docstring) and logs what happened to each.
/// `try await FaultProxy.with(server) { proxy in … }` stops it whatever the body does.
package final class FaultProxy: Sendable {
    /// One request as the proxy saw it.
    package struct Entry: Decodable, Sendable {
        package var n: Int
        package var method: String
        /// The raw request target (path and query, percent-encoded as sent).
        package var path: String
        package var action: String
        /// What was answered (or what the server answered, for drop-after / stall-after); nil if nothing.
        package var status: Int?
        /// Hex MD5 of the request body.
        package var md5: String
        /// Whether the action ran to its end (false when the client went away mid-way).
        package var done: Bool
        /// The request's `If-None-Match` header, if any.
        package var ifNoneMatch: String?
        /// The request line and headers as received (Latin-1).
        package var head: String
        /// For streamed answers (`big200`, `body-drip`): body bytes written before the client went away.
        package var sent: Int?
        /// For streamed answers: what the real server answered to the forwarded request.
        package var upstreamStatus: Int?
        /// For streamed answers: true once streaming stopped (the client went away, or all was sent).
        package var ended: Bool?

        enum CodingKeys: String, CodingKey {
            case n, method, path, action, status, md5, done, sent, ended, head
            case ifNoneMatch = "if_none_match"
            case upstreamStatus = "upstream_status"
        }
    }

    private struct Log: Decodable { var requests: [Entry] }

    package let port: Int
    private let process: ProcessGroup
    private let directory: URL

    /// `http://127.0.0.1:PORT`: the endpoint to give the flusher.
    package var url: String { "http://127.0.0.1:\(port)" }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("fault_proxy.py")

    /// Starts a proxy to `server`, runs `body`, stops the proxy.
    package static func with<T>(_ server: S3TestServer, _ body: (FaultProxy) async throws -> T) async throws -> T {
        let proxy = try await FaultProxy(upstreamPort: server.url.port!)
        defer { proxy.stop() }
        return try await body(proxy)
    }

    /// Starts the proxy on a port the kernel chooses (no race with other servers for it), and
    /// reads the port back from the script's `PORT N` line.
    private init(upstreamPort: Int) async throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fault-proxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let logFile = directory.appendingPathComponent("proxy.log")
        process = try ProcessGroup(
            executable: "python3", arguments: ["-u", Self.script.path, "--upstream-port", "\(upstreamPort)", "--port", "0"],
            logFile: logFile)
        do {
            port = try await process.announcedPort("fault proxy")
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Replaces the script (and clears the log): `actions` for the next requests whose method is
    /// in `methods`, in order, then `fallback` for the rest. With `objectsOnly`, listings (a
    /// request with a query string) pass and take no action of the script, so that the actions
    /// meet the object requests whatever order concurrent listings arrive in.
    package func script(
        _ actions: [String], default fallback: String = "pass", methods: [String] = ["PUT"], objectsOnly: Bool = false
    ) async throws {
        let body = try JSONSerialization.data(
            withJSONObject: ["actions": actions, "default": fallback, "methods": methods, "objects_only": objectsOnly])
        _ = try await control("POST", "/__fault__/script", body: body)
    }

    /// Lets the requests the `hold` action keeps go on to the server.
    package func release() async throws {
        _ = try await control("POST", "/__fault__/release", body: Data("{}".utf8))
    }

    /// Every request since the last `script`, in arrival order.
    package func log() async throws -> [Entry] {
        try JSONDecoder().decode(Log.self, from: try await control("GET", "/__fault__/log")).requests
    }

    /// Waits (bounded) until `predicate` holds for the log; returns the log then.
    package func waitForLog(timeout: TimeInterval = 20, _ predicate: ([Entry]) -> Bool) async throws -> [Entry] {
        let deadline = Date().addingTimeInterval(timeout)
        var entries = try await log()
        while !predicate(entries) && Date() < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
            entries = try await log()
        }
        return entries
    }

    package func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private func control(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        try await ControlRequest.send(
            method, url + path, headers: body == nil ? [] : [("Content-Type", "application/json")], body: body,
            what: "fault proxy \(path)", timeoutSeconds: 10)
    }
}
