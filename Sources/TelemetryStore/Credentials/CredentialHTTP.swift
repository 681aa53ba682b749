import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange of a credential source (STS, the container endpoint, instance metadata):
/// the whole exchange within `timeout`, at most `maxBytes` of the answer kept; a failure to
/// get an answer is one line naming the source.
struct CredentialHTTP: Sendable {
    /// The most any credential answer may hold (a few KiB in practice).
    static let maxBytes = 64 << 10

    let httpClient: HTTPClient
    let timeout: TimeInterval

    struct Answer {
        let status: Int
        let body: Data
    }

    func send(
        _ method: String, _ url: URL, headers: [(String, String)] = [], body: Data? = nil, source: String
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "cfdev-telemetry")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let answer: BoundedExchange.Answer
        do {
            answer = try await BoundedExchange(httpClient: httpClient, timeLimit: timeout).perform(request) { _ in Self.maxBytes }
        } catch is BoundedExchange.TimeLimitExceeded {
            throw CredentialSourceError(source, "no complete answer from \(Self.describe(url)) within \(Self.seconds(timeout))")
        } catch {
            throw CredentialSourceError(source, "cannot reach \(Self.describe(url)): \(Self.oneLine(error))")
        }
        if answer.truncated {
            throw CredentialSourceError(source, "the answer of \(Self.describe(url)) is larger than \(Self.maxBytes >> 10) KiB")
        }
        return Answer(status: answer.status, body: answer.body)
    }

    /// `scheme://host:port/path`, without user-info or query.
    static func describe(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        components?.query = nil
        return components?.string ?? "the endpoint"
    }

    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// An error's text on one line, bounded.
    static func oneLine(_ error: any Error) -> String {
        let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        return String(text.prefix(300))
    }
}
