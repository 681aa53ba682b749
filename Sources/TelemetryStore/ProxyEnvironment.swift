import Foundation
import TelemetryCore

/// The HTTP proxy a request goes through, read from the environment as the CF CLI (Go's
/// `net/http`) and curl read it: `HTTPS_PROXY`/`https_proxy` for `https://` endpoints,
/// `HTTP_PROXY`/`http_proxy` for `http://` ones (the upper-case name first), and
/// `NO_PROXY`/`no_proxy` for the hosts reached directly. `localhost` and loopback addresses are
/// always reached directly, as the CF CLI does. Requests go through the proxy with `CONNECT`, so
/// TLS runs end to end between this tool and the store.
package struct HTTPProxy: Sendable, Equatable, CustomStringConvertible {
    package let host: String
    package let port: Int
    /// From the proxy URL's user-info (percent-decoded), sent as `Proxy-Authorization: Basic`.
    package let username: String?
    package let password: String?
    /// The variable it was read from.
    package let variable: String

    /// `http://***@proxy.example:3128 (HTTPS_PROXY)`: never the user-info.
    package var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "http://\(username == nil ? "" : "***@")\(DisplayText.sanitized(host, limit: 100)):\(port) (\(variable))"
    }
}

/// Reads the proxy variables; see `HTTPProxy`.
package enum ProxyEnvironment {
    /// The most `NO_PROXY` entries looked at (the rest are ignored).
    static let maxNoProxyEntries = 1000

    /// The proxy for a request to `host`:`port` over `scheme` (`http` or `https`), nil when the
    /// request goes direct. A proxy variable that is not an `http://` URL with a host is a
    /// one-line error naming the variable (its user-info masked).
    package static func proxy(
        scheme: String, host: String, port: Int, environment: [String: String]
    ) throws -> HTTPProxy? {
        let names = scheme.lowercased() == "https" ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"]
        guard let (variable, value) = firstSet(names, environment) else { return nil }
        if S3Endpoint.isLoopback(host: host) { return nil }
        if let noProxy = firstSet(["NO_PROXY", "no_proxy"], environment)?.1,
            NoProxyRule(noProxy).excludes(host: host, port: port)
        {
            return nil
        }
        return try parse(value, variable: variable)
    }

    /// The first of `names` set to something other than empty or spaces.
    static func firstSet(_ names: [String], _ environment: [String: String]) -> (String, String)? {
        for name in names {
            if let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty { return (name, value) }
        }
        return nil
    }

    /// A proxy URL: `http://[user[:password]@]host[:port][/]`, the scheme optional.
    static func parse(_ value: String, variable: String) throws -> HTTPProxy {
        func failure(_ why: String) -> TelemetryError {
            // Without a scheme the value is read as http://…, and its user-info masked as such.
            let shown =
                value.contains("://")
                ? DisplayText.maskingUserInfo(value, limit: 200) : String(DisplayText.maskingUserInfo("://" + value, limit: 203).dropFirst(3))
            return TelemetryError.configuration("\(variable): \(why), got \"\(shown)\"")
        }
        var text = value.trimmingCharacters(in: .whitespaces)
        if !text.contains("://") { text = "http://" + text }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw failure("not a proxy URL")
        }
        guard scheme == "http" else {
            throw failure("only http:// proxies are supported (HTTPS to the store still runs end to end through them)")
        }
        guard let host = components.host, !host.isEmpty else { throw failure("no host in the proxy URL") }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { throw failure("the port must be from 1 to 65535") }
        return HTTPProxy(
            host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port,
            username: components.user?.removingPercentEncoding ?? components.user,
            password: components.password?.removingPercentEncoding ?? components.password,
            variable: variable)
    }
}

/// `NO_PROXY` as Go's `net/http` reads it: comma-separated entries, each `*` (every host), an IP
/// address, a CIDR block (`10.0.0.0/8`), or a domain with an optional port (`example.com`
/// matches it and its subdomains; `.example.com` and `*.example.com` only its subdomains).
/// Entries that are none of these are ignored.
struct NoProxyRule {
    private var everything = false
    private var addresses: [[UInt8]] = []
    private var blocks: [(network: [UInt8], bits: Int)] = []
    private var domains: [(name: String, subdomainsOnly: Bool, port: Int?)] = []

    init(_ text: String) {
        for raw in text.split(separator: ",", omittingEmptySubsequences: true).prefix(ProxyEnvironment.maxNoProxyEntries) {
            let entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if entry.isEmpty { continue }
            if entry == "*" {
                everything = true
                return
            }
            if let slash = entry.firstIndex(of: "/") {
                if let network = IPAddress.parse(String(entry[..<slash])), let bits = Int(entry[entry.index(after: slash)...]),
                    (0...(network.count * 8)).contains(bits)
                {
                    blocks.append((network, bits))
                }
                continue
            }
            if let address = IPAddress.parse(entry.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) {
                addresses.append(address)
                continue
            }
            var name = entry
            var port: Int?
            if let colon = entry.lastIndex(of: ":"), let number = Int(entry[entry.index(after: colon)...]) {
                name = String(entry[..<colon])
                port = number
            }
            if let address = IPAddress.parse(name.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) {
                if port == nil { addresses.append(address) } else { domains.append((name.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), false, port)) }
                continue
            }
            var subdomainsOnly = false
            if name.hasPrefix("*.") { name.removeFirst() }
            if name.hasPrefix(".") {
                subdomainsOnly = true
                name.removeFirst()
            }
            guard !name.isEmpty, !name.contains(where: { $0 == "*" || $0 == " " }) else { continue }
            domains.append((name, subdomainsOnly, port))
        }
    }

    /// Whether a request to `host`:`port` goes direct.
    func excludes(host: String, port: Int) -> Bool {
        if everything { return true }
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let address = IPAddress.parse(host) {
            if addresses.contains(address) { return true }
            if blocks.contains(where: { IPAddress.contains($0.network, bits: $0.bits, address) }) { return true }
            return domains.contains { $0.name == host && ($0.port == nil || $0.port == port) }
        }
        let name = host.hasSuffix(".") ? String(host.dropLast()) : host
        return domains.contains { domain in
            guard domain.port == nil || domain.port == port else { return false }
            if name.hasSuffix("." + domain.name) { return true }
            return !domain.subdomainsOnly && name == domain.name
        }
    }
}

/// IPv4 and IPv6 addresses as bytes, parsed with `inet_pton`.
enum IPAddress {
    static func v4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func v6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func parse(_ text: String) -> [UInt8]? { v4(text) ?? v6(text) }

    /// Whether `address` is in the block `network`/`bits` (of the same family).
    static func contains(_ network: [UInt8], bits: Int, _ address: [UInt8]) -> Bool {
        guard network.count == address.count else { return false }
        var remaining = bits
        for index in 0..<network.count where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if network[index] & mask != address[index] & mask { return false }
            remaining -= take
        }
        return true
    }
}
