import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOSSL
import TelemetryCore

/// How requests reach the store: directly or through an HTTP proxy (`ProxyEnvironment`), and
/// which certificate authorities TLS trusts (`TrustedAuthorities`).
package struct StoreConnection: Sendable {
    /// nil: direct.
    package let proxy: HTTPProxy?
    package let trust: TrustedAuthorities

    /// Reads the proxy and CA settings for `endpoint`; each problem is a one-line error.
    /// `NO_PROXY` is matched against the host requests go to: `<bucket>.<host>` when the
    /// endpoint is virtual-hosted.
    package init(endpoint: S3Endpoint, caBundle: String?, environment: [String: String], audience: SettingsAudience) throws {
        let host = endpoint.pathStyle ? endpoint.host : "\(endpoint.bucket).\(endpoint.host)"
        try self.init(url: endpoint.url, host: host, caBundle: caBundle, environment: environment, audience: audience)
    }

    /// The same for any service URL (STS's, for the team's credentials).
    package init(url: URL, caBundle: String?, environment: [String: String], audience: SettingsAudience) throws {
        let host = (url.host ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        try self.init(url: url, host: host, caBundle: caBundle, environment: environment, audience: audience)
    }

    private init(url: URL, host: String, caBundle: String?, environment: [String: String], audience: SettingsAudience) throws {
        proxy = try ProxyEnvironment.proxy(
            scheme: url.scheme ?? "https", host: host,
            port: url.port ?? (url.scheme?.lowercased() == "http" ? 80 : 443), environment: environment)
        trust = try TrustedAuthorities.resolve(caBundle: caBundle, environment: environment, audience: audience)
    }

    /// Direct, trusting the system's store.
    package static var direct: StoreConnection { StoreConnection(proxy: nil, trust: .system()) }

    init(proxy: HTTPProxy?, trust: TrustedAuthorities) {
        self.proxy = proxy
        self.trust = trust
    }

    /// `direct` or `through proxy http://***@host:port (HTTPS_PROXY)`.
    package var routeDescription: String { proxy.map { "through proxy \($0)" } ?? "direct" }

    /// The HTTP client for this connection: one per distinct connection in the process,
    /// configured as `S3Client.defaultHTTPClient` and, like it, never shut down.
    package func httpClient() -> HTTPClient {
        let key = "\(proxy.map { "\($0.host)|\($0.port)|\($0.username ?? "")|\($0.password ?? "")" } ?? "direct")|\(trust.description)"
        return Self.clients.withLockedValue { clients in
            if let client = clients[key] { return client }
            var configuration = S3Client.baseConfiguration()
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = trust.roots
            tls.additionalTrustRoots = trust.additional
            configuration.tlsConfiguration = tls
            if let proxy {
                let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
                configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// The clients made so far, by connection.
    private static let clients = NIOLockedValueBox<[String: HTTPClient]>([:])
}
