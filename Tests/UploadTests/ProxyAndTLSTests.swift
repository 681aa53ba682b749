import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

import Platform

/// This machine's name resolving to loopback: the endpoint a proxy is used for (never loopback).
private let proxiedHost = Prerequisite(missing: "this machine's host name does not resolve to a loopback address") {
    TestCertificates.loopbackHostName != nil
}

/// Uploads over real TLS (SeaweedFS's HTTPS port, a certificate from a throw-away CA), directly
/// and through a real CONNECT proxy (tinyproxy): the CA comes from `SSL_CERT_FILE`,
/// `SSL_CERT_DIR` or `ca_bundle`, an unknown CA or a wrong name fails in one line, and hostile
/// proxies and CA files cost a bounded time and lose nothing.
@Suite(
    "flush over TLS, through proxies, with private CAs", .requires(.seaweedfs), .requires(TinyProxy.prerequisite),
    .requires(proxiedHost))
struct ProxyAndTLSTests {
    /// A SeaweedFS serving HTTPS with a certificate for this machine's name and `localhost`.
    func withTLSServer(_ body: (S3TestServer, TestCertificates, String) async throws -> Void) async throws {
        let host = try #require(TestCertificates.loopbackHostName)
        let certificates = try await offPool { try TestCertificates(names: [host, "localhost"]) }
        defer { certificates.remove() }
        try await S3TestServer.with(.seaweedfs, tls: certificates.serverFiles) { server in
            try await body(server, certificates, host)
        }
    }

    @Test("direct TLS: the CA from SSL_CERT_FILE, SSL_CERT_DIR or ca_bundle is trusted; another CA or name fails in one line, nothing lost")
    func directTLS() async throws {
        try await withTLSServer { server, certificates, _ in
            let port = try #require(server.httpsPort)
            let world = try FlushWorld(server: server, prefix: "tls/", endpoint: "https://localhost:\(port)")
            var ids = try world.fill(5)

            let untrusted = try await world.flush(env: ["SSL_CERT_FILE": certificates.otherCA])
            #expect(untrusted.status == 1)
            #expect(untrusted.errorLines.count == 1, "\(untrusted.stderr)")
            #expect(untrusted.stderr.contains("not signed by a trusted certificate authority"), "\(untrusted.stderr)")
            #expect(untrusted.stderr.contains("trusting SSL_CERT_FILE \(certificates.otherCA) (1 certificate)"), "\(untrusted.stderr)")
            // The system's store does not know the test CA either.
            let system = try await world.flush()
            #expect(system.status == 1 && system.stderr.contains("not signed by a trusted certificate authority"), "\(system.stderr)")
            #expect(try await world.pending() == 5)

            let wrongName = try await world.flush(env: [
                "SSL_CERT_FILE": certificates.ca, "CFDEV_TELEMETRY_ENDPOINT": "https://127.0.0.1:\(port)",
            ])
            #expect(wrongName.status == 1 && wrongName.errorLines.count == 1, "\(wrongName.stderr)")
            #expect(wrongName.stderr.contains("not for this host name"), "\(wrongName.stderr)")
            #expect(try await world.pending() == 5)

            let trusted = try await world.flush(env: ["SSL_CERT_FILE": certificates.ca])
            #expect(trusted.status == 0, "\(trusted.stderr)")
            #expect(try await world.pending() == 0)

            ids += try world.fill(3)
            let folder = try await world.flush(env: ["SSL_CERT_DIR": certificates.caFolder])
            #expect(folder.status == 0, "\(folder.stderr)")

            // ca_bundle (here from config.json) is the only CA trusted: SSL_CERT_FILE is not read.
            ids += try world.fill(2)
            try "{\"ca_bundle\": \"\(certificates.ca)\"}".write(toFile: world.sandbox.telemetryHome.configPath, atomically: true, encoding: .utf8)
            let bundle = try await world.flush(env: ["SSL_CERT_FILE": "/nonexistent/ca.pem"])
            #expect(bundle.status == 0, "\(bundle.stderr)")
            let doctor = try await world.cli(["doctor"])
            #expect(doctor.stdout.contains("note connection: direct; TLS trusts ca_bundle \(certificates.ca) (1 certificate)"), "\(doctor.stdout)")
            #expect(doctor.status == 0, "\(doctor.stdout)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("through tinyproxy with credentials in HTTPS_PROXY: lands, the password is never shown, a wrong one is one line; NO_PROXY and loopback go direct")
    func throughARealProxy() async throws {
        try await withTLSServer { server, certificates, host in
            let port = try #require(server.httpsPort)
            let proxy = try await TinyProxy(basicAuth: ("telemetry", "pr0xy-s3cret"))
            defer { proxy.stop() }
            let proxyURL = "http://telemetry:pr0xy-s3cret@127.0.0.1:\(proxy.port)"
            let world = try FlushWorld(
                server: server, prefix: "proxied/", endpoint: "https://\(host):\(port)",
                extra: ["SSL_CERT_FILE": certificates.ca, "HTTPS_PROXY": proxyURL])
            var ids = try world.fill(6)
            // Through the proxy without the store's CA: one line, naming both; nothing lost.
            let untrusted = try await world.flush(env: ["SSL_CERT_FILE": certificates.otherCA])
            #expect(untrusted.status == 1 && untrusted.errorLines.count == 1, "\(untrusted.stderr)")
            #expect(untrusted.stderr.contains("not signed by a trusted certificate authority"), "\(untrusted.stderr)")
            #expect(untrusted.stderr.contains("through proxy http://***@127.0.0.1:\(proxy.port) (HTTPS_PROXY)"), "\(untrusted.stderr)")
            #expect(try await world.pending() == 6)
            let flushed = try await world.flush()
            #expect(flushed.status == 0, "\(flushed.stderr)")
            #expect(try await world.pending() == 0)
            #expect(proxy.connects().contains("\(host):\(port)"), "\(proxy.connects())")

            let doctor = try await world.cli(["doctor"])
            #expect(doctor.status == 0, "\(doctor.stdout)")
            #expect(doctor.stdout.contains("through proxy http://***@127.0.0.1:\(proxy.port) (HTTPS_PROXY)"), "\(doctor.stdout)")
            #expect(!doctor.stdout.contains("pr0xy-s3cret") && !doctor.stderr.contains("pr0xy-s3cret"))

            // A wrong password: the proxy's 407, said in one line; the events wait.
            ids += try world.fill(2)
            let wrongURL = "http://telemetry:wrong-s3cret@127.0.0.1:\(proxy.port)"
            let refused = try await world.flush(env: ["HTTPS_PROXY": wrongURL, "CFDEV_TELEMETRY_FLUSH_TIMEOUT": "10"])
            #expect(refused.status == 1 && refused.errorLines.count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("through proxy http://***@127.0.0.1:\(proxy.port) (HTTPS_PROXY)"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("wrong-s3cret"))
            #expect(try await world.pending() == 2)
            let log = try String(contentsOfFile: world.sandbox.telemetryHome.logPath, encoding: .utf8)
            #expect(!log.contains("s3cret"), "\(log)")

            // Lower case, as curl and the CF CLI also take it.
            let lower = try await world.flush(env: ["HTTPS_PROXY": "", "https_proxy": proxyURL])
            #expect(lower.status == 0, "\(lower.stderr)")

            // NO_PROXY naming the host: direct (the proxy sees no new tunnel).
            ids += try world.fill(2)
            let tunnels = proxy.connects().count
            let bypass = try await world.flush(env: ["NO_PROXY": "example.com, \(host)"])
            #expect(bypass.status == 0, "\(bypass.stderr)")
            #expect(proxy.connects().count == tunnels)

            // Loopback never goes through a proxy, and HTTP_PROXY is not for https:// endpoints.
            ids += try world.fill(2)
            let loopback = try await world.flush(env: [
                "CFDEV_TELEMETRY_ENDPOINT": "https://localhost:\(port)", "HTTPS_PROXY": "http://127.0.0.1:1",
            ])
            #expect(loopback.status == 0, "\(loopback.stderr)")
            ids += try world.fill(1)
            let httpProxyOnly = try await world.flush(env: ["HTTPS_PROXY": "", "HTTP_PROXY": "http://127.0.0.1:1"])
            #expect(httpProxyOnly.status == 0, "\(httpProxyOnly.stderr)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a proxy that refuses, stalls, answers garbage or closes: one line naming it, a bounded time, nothing lost")
    func hostileProxies() async throws {
        try await withTLSServer { server, certificates, host in
            let port = try #require(server.httpsPort)
            let world = try FlushWorld(
                server: server, prefix: "hostile proxy/", endpoint: "https://\(host):\(port)",
                extra: ["SSL_CERT_FILE": certificates.ca, "CFDEV_TELEMETRY_FLUSH_TIMEOUT": "20"])
            let ids = try world.fill(4)
            for mode in ["refuse", "stall", "garbage", "close"] {
                let proxy = try await HostileProxy(mode)
                defer { proxy.stop() }
                let result = try await world.flush(env: ["HTTPS_PROXY": "127.0.0.1:\(proxy.port)"])
                #expect(result.status == 1, "\(mode): \(result.stderr)")
                #expect(result.errorLines.count == 1, "\(mode): \(result.stderr)")
                #expect(result.stderr.contains("through proxy http://127.0.0.1:\(proxy.port) (HTTPS_PROXY)"), "\(mode): \(result.stderr)")
                #expect(proxy.requests().contains { $0.hasPrefix("CONNECT \(host):\(port) ") }, "\(mode): \(proxy.requests())")
                #expect(try await world.pending() == 4, "\(mode)")
            }
            // Proxy settings that are not an http:// proxy: one line naming the variable, no secret shown.
            for value in ["https://user:pw-s3cret@127.0.0.1:3128", "socks5://127.0.0.1:1080", "http://:8080", "http://127.0.0.1:99999"] {
                let result = try await world.flush(env: ["HTTPS_PROXY": value])
                #expect(result.status == 1 && result.errorLines.count == 1, "\(value): \(result.stderr)")
                #expect(result.stderr.contains("HTTPS_PROXY:") && !result.stderr.contains("pw-s3cret"), "\(value): \(result.stderr)")
            }
            #expect(try await world.pending() == 4)
            let flushed = try await world.flush()
            #expect(flushed.status == 0, "\(flushed.stderr)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }

    @Test("a CA file that is huge, a FIFO, a folder, missing or not PEM: one line naming the setting, at once, nothing lost; SSL_CERT_DIR folders without CAs are skipped")
    func hostileCAFiles() async throws {
        try await withTLSServer { server, certificates, _ in
            let port = try #require(server.httpsPort)
            let world = try FlushWorld(server: server, prefix: "hostile ca/", endpoint: "https://localhost:\(port)")
            let ids = try world.fill(3)
            let root = world.sandbox.root
            let huge = root + "/huge.pem"
            let pem = try String(contentsOfFile: certificates.ca, encoding: .utf8)
            try String(repeating: pem, count: (9 << 20) / pem.utf8.count + 1).write(toFile: huge, atomically: true, encoding: .utf8)
            let fifo = root + "/fifo.pem"
            #expect(mkfifo(fifo, 0o600) == 0)
            let linkToFIFO = root + "/link-to-fifo.pem"
            try FileManager.default.createSymbolicLink(atPath: linkToFIFO, withDestinationPath: fifo)
            let notPEM = root + "/not.pem"
            try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: notPEM))
            let cases: [([String: String], String)] = [
                (["SSL_CERT_FILE": huge], "larger than 8192 KiB"),
                (["SSL_CERT_FILE": fifo], "not a regular file"),
                (["SSL_CERT_FILE": linkToFIFO], "not a regular file"),
                (["SSL_CERT_FILE": root], "not a regular file"),
                (["SSL_CERT_FILE": root + "/missing.pem"], "no such file"),
                (["SSL_CERT_FILE": notPEM], "holds no PEM certificate"),
                (["CFDEV_TELEMETRY_CA_BUNDLE": fifo], "ca_bundle"),
            ]
            for (environment, expected) in cases {
                let result = try await world.flush(env: environment, timeout: 60)
                #expect(result.status == 1 && result.errorLines.count == 1, "\(environment): \(result.stderr)")
                #expect(result.stderr.contains(expected), "\(environment): \(result.stderr)")
                let named = environment.keys.first == "CFDEV_TELEMETRY_CA_BUNDLE" ? "ca_bundle" : environment.keys.first!
                #expect(result.stderr.contains(named), "\(environment): \(result.stderr)")
            }
            #expect(try await world.pending() == 3)
            // Folders of SSL_CERT_DIR that are missing or hold no certificate are skipped (as
            // OpenSSL and Go do), shown by doctor; the folder with the CA is still trusted.
            let folders = ["SSL_CERT_DIR": "\(root)/missing:\(world.sandbox.binDir):\(certificates.caFolder)"]
            let doctor = try await world.cli(["doctor"], env: folders)
            #expect(doctor.stdout.contains("SSL_CERT_DIR \(root)/missing: not a readable folder (No such file or directory) (skipped)"), "\(doctor.stdout)")
            #expect(doctor.stdout.contains("SSL_CERT_DIR \(world.sandbox.binDir): holds no PEM certificate (skipped)"), "\(doctor.stdout)")
            let flushed = try await world.flush(env: folders)
            #expect(flushed.status == 0, "\(flushed.stderr)")
            Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
        }
    }
}
