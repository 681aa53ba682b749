import Foundation
import TelemetryCore
import TelemetryUpload

#if canImport(Glibc)
import Glibc
#endif

/// The S3-compatible servers the report tests run for real.
enum LocalS3Kind: String, Sendable, CustomStringConvertible {
    /// `moto_server`: lifecycle configuration supported. Signature checking
    /// (`INITIAL_NO_AUTH_ACTION_COUNT`) stays off: moto re-signs the re-quoted URL and rejects
    /// every correctly signed request whose key or list prefix holds `=` or `/`, which the `dt=`
    /// layout always does.
    case moto
    /// `rclone serve s3`: checks every signature; no lifecycle configuration.
    case rclone
    /// `weed server … -s3`: checks every signature and honours `If-None-Match: *`; its
    /// `start-after` skips the keys inside the "folder" it names.
    case seaweedfs

    var binary: String {
        switch self {
        case .moto: "moto_server"
        case .rclone: "rclone"
        case .seaweedfs: "weed"
        }
    }
    var description: String { rawValue }

    var isInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(binary)")
        }
    }
}

/// A real S3-compatible server on a free 127.0.0.1 port, in its own process group, with a bucket.
final class LocalS3Server: @unchecked Sendable {
    let kind: LocalS3Kind
    let port: Int
    let bucket: String
    static let testCredentials = AWSCredentials(accessKeyID: "AKIAREPORTTESTS00001", secretAccessKey: "report-tests-secret")
    var credentials: AWSCredentials { Self.testCredentials }
    private let pid: pid_t
    private let directory: String

    var endpointURL: String { "http://127.0.0.1:\(port)" }

    /// The environment `cfdev-telemetry` needs to reach this server.
    func environment(prefix: String) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "CFDEV_TELEMETRY_ENDPOINT": endpointURL, "CFDEV_TELEMETRY_BUCKET": bucket, "CFDEV_TELEMETRY_PREFIX": prefix,
            "AWS_REGION": "us-east-1",
        ]
    }

    func client() throws -> S3Client {
        S3Client(endpoint: try S3Endpoint(url: endpointURL, bucket: bucket, region: "us-east-1"), credentials: credentials)
    }

    static func start(_ kind: LocalS3Kind, bucket: String = "report-tests") async throws -> LocalS3Server {
        let server = try LocalS3Server(kind: kind, bucket: bucket)
        let deadline = Date().addingTimeInterval(180)  // a loaded machine starts weed slowly
        while Date() < deadline {
            do {
                try await server.client().createBucket()
                return server
            } catch {
                try await Task.sleep(nanoseconds: 200_000_000)
            }
        }
        let tail = (try? String(contentsOfFile: server.directory + "/server.log", encoding: .utf8)) ?? ""
        server.stop()
        throw LocalS3Error(message: "\(kind.binary) did not start: \(tail.suffix(800))")
    }

    private init(kind: LocalS3Kind, bucket: String) throws {
        self.kind = kind
        self.bucket = bucket
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-s3-\(kind)-\(port)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        let log = directory + "/server.log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        var environment = ProcessInfo.processInfo.environment
        environment["MOTO_ALLOW_NONEXISTENT_REGION"] = "true"
        environment.removeValue(forKey: "INITIAL_NO_AUTH_ACTION_COUNT")
        environment["RCLONE_CONFIG"] = directory + "/rclone.conf"
        let arguments: [String]
        switch kind {
        case .moto:
            arguments = ["moto_server", "-H", "127.0.0.1", "-p", "\(port)"]
        case .rclone:
            arguments = [
                "rclone", "serve", "s3", "--auth-key", "\(Self.testCredentials.accessKeyID),\(Self.testCredentials.secretAccessKey)",
                "--addr", "127.0.0.1:\(port)", directory + "/data",
            ]
        case .seaweedfs:
            arguments = try Self.seaweedArguments(directory: directory, s3Port: port)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawnp(&child, kind.binary, &actions, &attributes, argv, envp)
        guard result == 0 else { throw LocalS3Error(message: "cannot start \(kind.binary): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// SIGKILL to the server's whole process group; its directory (and SeaweedFS's sockets) removed.
    func stop() {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let ports = try? String(contentsOfFile: directory + "/ports", encoding: .utf8) {
            let p = ports.split(separator: " ").map(String.init)
            if p.count == 8 {
                for name in ["master-grpc-\(p[1])", "volume-grpc-\(p[3])", "filer-grpc-\(p[5])", "filer-\(p[4])", "s3-grpc-\(p[7])", "s3-\(p[6])"] {
                    unlink("/tmp/seaweedfs-\(name).sock")
                }
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `weed server` with master, volume, filer and S3 on free ports (each gRPC port given: the
    /// default is port + 10000) and one identity with the test credentials.
    private static func seaweedArguments(directory: String, s3Port: Int) throws -> [String] {
        let identity: [String: Any] = [
            "identities": [
                [
                    "name": "admin",
                    "credentials": [["accessKey": testCredentials.accessKeyID, "secretKey": testCredentials.secretAccessKey]],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                ]
            ]
        ]
        try JSONSerialization.data(withJSONObject: identity).write(to: URL(fileURLWithPath: directory + "/s3.json"))
        var p = try (0..<7).map { _ in try freePort() }
        p.insert(s3Port, at: 6)
        try p.map(String.init).joined(separator: " ").write(toFile: directory + "/ports", atomically: true, encoding: .utf8)
        return [
            "weed", "server", "-dir=\(directory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.port=\(p[0])", "-master.port.grpc=\(p[1])", "-master.volumeSizeLimitMB=64", "-master.telemetry=false",
            "-volume.port=\(p[2])", "-volume.port.grpc=\(p[3])", "-volume.max=8", "-volume.preStopSeconds=0",
            "-filer", "-filer.port=\(p[4])", "-filer.port.grpc=\(p[5])",
            "-s3", "-s3.port=\(p[6])", "-s3.port.grpc=\(p[7])", "-s3.config=\(directory)/s3.json",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalS3Error(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw LocalS3Error(message: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct LocalS3Error: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
