import Foundation

import Platform

/// A one-shot HTTP/1.1 listener on 127.0.0.1 that records the first request's raw head and body
/// and answers with a fixed response: shows exactly what the client put on the wire.
package final class WireCapture: @unchecked Sendable {
    package struct Request: Sendable {
        package var requestLine: String
        /// Header names lower-cased, in order.
        package var headers: [(String, String)]
        package var body: Data

        package func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    }

    package let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var captured: Request?
    private let done = DispatchSemaphore(value: 0)

    /// `response` is sent verbatim after the request was read.
    package init(response: String) throws {
        let (fd, port) = try LoopbackSocket.bound(listening: 4)
        listener = fd
        self.port = port
        let thread = Thread { [self] in serve(response: response) }
        thread.start()
    }

    /// The captured request, waiting up to `timeout` seconds for it.
    package func request(timeout: TimeInterval = 10) -> Request? {
        _ = done.wait(timeout: .now() + timeout)
        return lock.withLock { captured }
    }

    private func serve(response: String) {
        defer {
            close(listener)
            done.signal()
        }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var expected = Int.max
        while buffer.count < expected {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { break }
            buffer += chunk[0..<count]
            if headEnd == nil, let range = buffer.firstRange(of: separator) {
                headEnd = range.upperBound
                let head = String(decoding: buffer[0..<range.lowerBound], as: UTF8.self)
                let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                let length = lengthLine.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = range.upperBound + length
            }
        }
        guard let headEnd else { return }
        let head = String(decoding: buffer[0..<(headEnd - 4)], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst()
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                line[..<colon].lowercased(),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        lock.withLock {
            captured = Request(requestLine: requestLine, headers: headers, body: Data(buffer[headEnd...]))
        }
        let bytes = Array(response.utf8)
        _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, bytes.count) }
    }
}
