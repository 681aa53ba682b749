import Foundation
import TelemetryCore
import TelemetryStore
import Testing

/// Which proxy a request takes, read from the environment as the CF CLI (Go's net/http) reads it.
@Suite("proxy variables: HTTPS_PROXY, HTTP_PROXY, NO_PROXY")
struct ProxyEnvironmentTests {
    func proxy(_ environment: [String: String], scheme: String = "https", host: String = "s3.example.com", port: Int = 443)
        throws -> HTTPProxy?
    {
        try ProxyEnvironment.proxy(scheme: scheme, host: host, port: port, environment: environment)
    }

    @Test("the scheme picks the variable, upper case first, empty means none")
    func variables() throws {
        #expect(try proxy([:]) == nil)
        let upper = try #require(try proxy(["HTTPS_PROXY": "http://upper:3128", "https_proxy": "http://lower:3128"]))
        #expect(upper.host == "upper" && upper.port == 3128 && upper.variable == "HTTPS_PROXY")
        #expect(try proxy(["https_proxy": "http://lower:3128"])?.variable == "https_proxy")
        #expect(try proxy(["HTTPS_PROXY": " ", "https_proxy": "lower:8080"])?.host == "lower")
        // HTTP_PROXY is for http:// endpoints only.
        #expect(try proxy(["HTTP_PROXY": "http://web:3128"]) == nil)
        #expect(try proxy(["HTTP_PROXY": "http://web:3128"], scheme: "http", port: 80)?.host == "web")
        #expect(try proxy(["HTTPS_PROXY": "http://upper:3128"], scheme: "http", port: 80) == nil)
    }

    /// With virtual-hosted addressing requests go to `<bucket>.<host>`: that is the name
    /// NO_PROXY is matched against, as curl and Go match the request's host.
    @Test("NO_PROXY matches the host requests go to, the bucket's with virtual-hosted addressing")
    func noProxyForTheRequestHost() throws {
        let proxied = ["HTTPS_PROXY": "http://proxy.corp:3128"]
        for (pathStyle, noProxy, direct) in [
            (false, "mybucket.s3.example.com", true), (false, ".s3.example.com", true), (false, "s3.example.com", true),
            (true, "mybucket.s3.example.com", false), (true, "s3.example.com", true), (false, "other.s3.example.com", false),
        ] {
            let endpoint = try S3Endpoint(url: "https://s3.example.com", bucket: "mybucket", pathStyle: pathStyle)
            let connection = try StoreConnection(
                endpoint: endpoint, caBundle: nil, environment: proxied.merging(["NO_PROXY": noProxy]) { $1 }, audience: .client)
            #expect((connection.proxy == nil) == direct, "path style \(pathStyle), NO_PROXY \(noProxy)")
        }
    }

    @Test("a proxy URL: scheme optional, port 80 by default, user-info decoded and never shown")
    func parsing() throws {
        let plain = try #require(try proxy(["HTTPS_PROXY": "proxy.corp:8080"]))
        #expect(plain.host == "proxy.corp" && plain.port == 8080 && plain.username == nil)
        #expect(try proxy(["HTTPS_PROXY": "http://proxy.corp"])?.port == 80)
        #expect(try proxy(["HTTPS_PROXY": "http://proxy.corp:3128/"])?.port == 3128)
        #expect(try proxy(["HTTPS_PROXY": "http://[::1]:3128"])?.host == "::1")
        let authenticated = try #require(try proxy(["HTTPS_PROXY": "http://dom%5Cuser:p%40ss%20word@proxy.corp:3128"]))
        #expect(authenticated.username == "dom\\user" && authenticated.password == "p@ss word")
        #expect(authenticated.description == "http://***@proxy.corp:3128 (HTTPS_PROXY)")
        for (value, reason) in [
            ("https://user:s3cret@proxy.corp:3128", "only http:// proxies are supported"),
            ("socks5://proxy.corp:1080", "only http:// proxies are supported"),
            ("http://:3128", "no host"),
            ("http://user:s3cret@", "no host"),
            ("http://proxy.corp:0", "port"),
            ("http://proxy.corp:99999", "the port must be from 1 to 65535"),
            ("http://proxy corp:3128", "not a proxy URL"),
            // Without a scheme, and with what a URL parser takes for a path in the password.
            ("user:s3cret@proxy.corp:99999", "the port must be from 1 to 65535"),
            ("us er:s3cret@proxy corp:3128", "not a proxy URL"),
            ("http://user:ab/s3cret@proxy corp:3128", "not a proxy URL"),
        ] {
            do {
                _ = try proxy(["HTTPS_PROXY": value])
                Issue.record("\(value): expected an error")
            } catch {
                let line = "\(error)"
                #expect(line.hasPrefix("HTTPS_PROXY: "), "\(line)")
                #expect(line.contains(reason), "\(line)")
                #expect(!line.contains("s3cret") && !line.contains("\n"), "\(line)")
            }
        }
    }

    @Test("localhost and loopback addresses always go direct")
    func loopback() throws {
        let environment = ["HTTPS_PROXY": "http://proxy.corp:3128", "HTTP_PROXY": "http://proxy.corp:3128"]
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1", "[::1]"] {
            #expect(try proxy(environment, host: host) == nil, "\(host)")
            #expect(try proxy(environment, scheme: "http", host: host, port: 9000) == nil, "\(host)")
        }
        // A name that only looks local is an ordinary name.
        #expect(try proxy(environment, host: "localhost.evil.example") != nil)
        #expect(try proxy(environment, host: "127.0.0.1.nip.io") != nil)
    }

    @Test(
        "NO_PROXY entries: names with their subdomains, .domain, *.domain, addresses, CIDR blocks, host:port, *",
        arguments: [
            ("s3.example.com", "s3.example.com", 443, true),
            ("example.com", "s3.example.com", 443, true),
            ("example.com", "example.com", 443, true),
            ("example.com", "notexample.com", 443, false),
            (".example.com", "example.com", 443, false),
            (".example.com", "s3.example.com", 443, true),
            ("*.example.com", "s3.example.com", 443, true),
            ("*.example.com", "example.com", 443, false),
            ("EXAMPLE.COM", "s3.Example.com", 443, true),
            ("example.com.", "s3.example.com", 443, false),
            ("s3.example.com:443", "s3.example.com", 443, true),
            ("s3.example.com:8443", "s3.example.com", 443, false),
            ("10.0.0.0/8", "10.1.2.3", 443, true),
            ("10.0.0.0/8", "11.1.2.3", 443, false),
            ("10.1.2.3", "10.1.2.3", 443, true),
            ("10.1.2.3:9000", "10.1.2.3", 9000, true),
            ("10.1.2.3:9000", "10.1.2.3", 443, false),
            ("fd00::/8", "fd12::1", 443, true),
            ("fd00::/8", "fe80::1", 443, false),
            ("*", "anything.example", 443, true),
            (" other.org , example.com ", "s3.example.com", 443, true),
        ])
    func noProxy(entry: String, host: String, port: Int, direct: Bool) throws {
        let chosen = try proxy(["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": entry], host: host, port: port)
        #expect((chosen == nil) == direct)
        let lower = try proxy(["HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": entry], host: host, port: port)
        #expect((lower == nil) == direct)
    }

    @Test("odd NO_PROXY entries are ignored, never a crash; a huge one is read in bounded time")
    func oddNoProxy() throws {
        let odd = [
            ",,,", " , ", "*foo", "a b", "999.1.1.1/99", "10.0.0.0/99", "10.0.0.0/x", "/8", "[::1]:x", ":443", ".", "*.",
            "\u{1b}[2J", String(repeating: "x", count: 10_000), "exa*mple.com", "http://example.com",
        ]
        for entry in odd {
            #expect(try proxy(["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": entry]) != nil, "\(entry)")
        }
        // 100,000 entries: the first 1,000 are looked at, the match past them is not.
        let huge = (0..<100_000).map { "host\($0).example.org" }.joined(separator: ",")
        #expect(try proxy(["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": huge], host: "host5.example.org") == nil)
        #expect(try proxy(["HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": huge], host: "host99999.example.org") != nil)
    }
}
