import Foundation

/// Where one request goes: the URL string handed to the HTTP client, the `Host` header and the
/// path exactly as signed. The key is encoded once (`S3PathEncoding`) and that same string is
/// both signed and sent.
package struct S3RequestTarget: Sendable, Equatable {
    /// `scheme://host[:port]` + `path` + `?query`.
    package var url: String
    /// `host[:port]` (port only when not the scheme's default), brackets around IPv6.
    package var host: String
    /// Percent-encoded once; `/<bucket>/<key>` path-style, `/<key>` virtual-hosted (plus any base path).
    package var path: String
    /// Encoded `k=v&…`, sorted, or empty; a parameter with an empty value is sent bare (`?lifecycle`).
    package var query: String

    /// The target of `key` (nil: the bucket itself) with unencoded query parameters.
    package init(endpoint: S3Endpoint, key: String?, query: [(String, String)] = []) {
        let scheme = endpoint.url.scheme?.lowercased() ?? "https"
        var hostName = endpoint.host.lowercased()
        if !endpoint.pathStyle { hostName = "\(endpoint.bucket).\(hostName)" }
        let bracketed = hostName.contains(":") ? "[\(hostName)]" : hostName
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = endpoint.url.port, port != defaultPort {
            host = "\(bracketed):\(port)"
        } else {
            host = bracketed
        }

        var base = URLComponents(url: endpoint.url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        var path = base
        if endpoint.pathStyle { path += "/" + S3PathEncoding.encodePath(endpoint.bucket) }
        if let key {
            path += "/" + S3PathEncoding.encodePath(key)
        } else if !endpoint.pathStyle || path.isEmpty {
            path += "/"
        }
        self.path = path

        self.query = Self.queryString(query)
        let suffix = self.query.isEmpty ? "" : "?" + self.query
        url = scheme + "://" + host + path + suffix
    }

    /// Encoded and sorted as the signer signs them; empty values sent bare.
    static func queryString(_ query: [(String, String)]) -> String {
        SigV4Signer.encodedSortedQuery(query).map { $0.1.isEmpty ? $0.0 : $0.0 + "=" + $0.1 }.joined(separator: "&")
    }
}
