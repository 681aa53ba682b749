import Foundation
import TelemetryTestSupport

import Platform

/// A throw-away certificate authority and a server certificate it signed (test_ca.py), with a
/// second CA that signed nothing here and a folder holding only the first, as `SSL_CERT_DIR` wants.
struct TestCertificates: Sendable {
    let folder: String
    var ca: String { folder + "/ca.pem" }
    var otherCA: String { folder + "/other-ca.pem" }
    var serverFiles: S3TestServer.TLSFiles { .init(certificate: folder + "/server.pem", key: folder + "/server.key") }
    /// A folder with the CA only (for `SSL_CERT_DIR`).
    var caFolder: String { folder + "/ca-folder" }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("test_ca.py").path

    /// A certificate for every name in `names` (DNS names or IP addresses).
    init(names: [String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("test-ca-\(UUID().uuidString.prefix(8))").path
        let result = try ChildRunner.run(
            "/usr/bin/env", ["python3", Self.script, folder] + names, environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else { throw ProcessGroupError(message: "test_ca.py failed: \(result.stderr)") }
        try FileManager.default.createDirectory(atPath: caFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ca, toPath: caFolder + "/test-ca.pem")
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// This machine's host name when it resolves to a loopback address: a name that is not
    /// `localhost` or an IP address, which is what goes through a proxy (loopback never does).
    static let loopbackHostName: String? = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard !name.isEmpty, name != "localhost" else { return nil }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &results) == 0, let first = results else { return nil }
        defer { freeaddrinfo(results) }
        let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        return UInt32(bigEndian: address) >> 24 == 127 ? name : nil
    }()
}

/// tinyproxy (Debian's `tinyproxy`), a real HTTP proxy with `CONNECT`, on a loopback port, with
/// optional basic authentication; its log lists the tunnels it opened.
final class TinyProxy: Sendable {
    let port: Int
    private let process: ProcessGroup
    private let directory: String
    private var logPath: String { directory + "/tinyproxy.log" }

    init(basicAuth: (user: String, password: String)? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tinyproxy-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try FreePorts.one()
        var config = """
            Port \(port)
            Listen 127.0.0.1
            Timeout 60
            MaxClients 64
            LogLevel Connect
            Allow 127.0.0.1
            LogFile "\(directory)/tinyproxy.log"
            PidFile "\(directory)/tinyproxy.pid"

            """
        if let basicAuth { config += "BasicAuth \(basicAuth.user) \(basicAuth.password)\n" }
        try config.write(toFile: directory + "/tinyproxy.conf", atomically: true, encoding: .utf8)
        process = try ProcessGroup(
            executable: "tinyproxy", arguments: ["-d", "-c", directory + "/tinyproxy.conf"],
            logFile: URL(fileURLWithPath: directory + "/stderr.log"))
        self.port = port
        let deadline = Date().addingTimeInterval(15)
        while !LoopbackSocket.canConnect(port: port) {
            guard process.isRunning, Date() < deadline else {
                let tail = process.logTail()
                stop()
                throw ProcessGroupError(message: "tinyproxy did not start: \(tail)")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// `host:port` of every `CONNECT` it was asked for, in order.
    func connects() -> [String] {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "): CONNECT ") else { return nil }
            return line[range.upperBound...].split(separator: " ").first.map(String.init)
        }
    }

    func stop() {
        process.kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let prerequisite = Prerequisite(missing: "tinyproxy is not installed (apt-get install tinyproxy; Scripts/install-deps.sh does)") {
        ProcessGroup.executablePath("tinyproxy") != nil
    }
}

/// A proxy that misbehaves on purpose (hostile_proxy.py): refuses, stalls, answers garbage, or closes.
final class HostileProxy: Sendable {
    let port: Int
    private let process: ProcessGroup
    private let logFile: URL

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("hostile_proxy.py")

    init(_ mode: String) async throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-proxy-\(UUID().uuidString.prefix(8)).log")
        process = try ProcessGroup(executable: "python3", arguments: ["-u", Self.script.path, mode], logFile: logFile)
        port = try await process.announcedPort("hostile proxy (\(mode))")
    }

    /// The request lines it was sent.
    func requests() -> [String] {
        process.logTail(lines: .max).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("PORT ") }
    }

    func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: logFile)
    }
}
