import Foundation
import TelemetryCore
import TelemetryStore

/// moto on loopback with IAM enforced, as AWS enforces it for the team: every S3 call is
/// checked against the caller's policies (actions and resources; moto ignores conditions other
/// than StringEquals) and its signature over the request target as sent (`moto_iam_server.py`);
/// STS serves AssumeRole (trust policies checked) and AssumeRoleWithWebIdentity (unsigned). The
/// first calls (unchecked) make an admin user allowed everything, whose keys make the bucket,
/// roles and users of a test. `stop()` kills the server's process group.
package final class MotoIAMServer: Sendable {
    /// `http://127.0.0.1:PORT`: S3, IAM and STS.
    package let url: URL
    package let admin: AWSCredentials
    package let bucket: String
    package let region = "us-east-1"
    private let process: ProcessGroup
    private let directory: URL

    /// The launcher beside this file.
    package static let launcher = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("moto_iam_server.py").path

    /// A role anyone may assume, with a web identity token too.
    package static let openTrust =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]}"#

    /// Starts the server (≤ 180 s), makes the admin and the bucket.
    package static func start(bucket: String = "telemetry-iam") async throws -> MotoIAMServer {
        guard S3TestServer.isInstalled(.moto) else { throw ProcessGroupError(message: "moto_server not found on PATH") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moto-iam-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try FreePorts.one()
        let process = try ProcessGroup(
            executable: "python3", arguments: [launcher, "127.0.0.1", "\(port)"],
            environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3", "MOTO_ALLOW_NONEXISTENT_REGION": "true"],
            logFile: directory.appendingPathComponent("server.log"))
        let url = URL(string: "http://127.0.0.1:\(port)")!
        do {
            let deadline = Date().addingTimeInterval(S3TestServer.readinessSeconds)
            while !LoopbackSocket.canConnect(port: port) {
                guard process.isRunning, Date() < deadline else { throw ProcessGroupError(message: "moto (IAM) did not open port \(port)") }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            let bootstrap = AWSCredentials(accessKeyID: "bootstrap", secretAccessKey: "bootstrap")
            _ = try await Self.iam(url, ["Action": "CreateUser", "UserName": "admin"], as: bootstrap)
            let key = try await Self.iam(url, ["Action": "CreateAccessKey", "UserName": "admin"], as: bootstrap)
            _ = try await Self.iam(
                url, ["Action": "PutUserPolicy", "UserName": "admin", "PolicyName": "all", "PolicyDocument": Self.allowAll], as: bootstrap)
            guard let id = Self.find(key, "AccessKeyId")?.text, let secret = Self.find(key, "SecretAccessKey")?.text else {
                throw ProcessGroupError(message: "moto CreateAccessKey: unexpected answer")
            }
            let server = MotoIAMServer(
                url: url, admin: AWSCredentials(accessKeyID: id, secretAccessKey: secret), bucket: bucket, process: process,
                directory: directory)
            try await server.client(server.admin).createBucket()
            return server
        } catch {
            let log = process.logTail()
            process.kill()
            try? FileManager.default.removeItem(at: directory)
            throw ProcessGroupError(message: "moto (IAM) did not start: \(error)\n--- log ---\n\(log)")
        }
    }

    private init(url: URL, admin: AWSCredentials, bucket: String, process: ProcessGroup, directory: URL) {
        self.url = url
        self.admin = admin
        self.bucket = bucket
        self.process = process
        self.directory = directory
    }

    /// Kills the server and removes its directory. Idempotent.
    package func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log so far (last lines).
    package func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    static let allowAll = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    /// An S3 client of this server's bucket (or another) with `credentials` (fixed or a provider).
    package func client(_ credentials: any AWSCredentialsProvider, bucket: String? = nil) throws -> S3Client {
        S3Client(endpoint: try S3Endpoint(url: url, bucket: bucket ?? self.bucket, region: region), credentials: credentials)
    }

    /// A role with `policy` (a JSON policy document) that anyone may assume; its ARN.
    package func createRole(_ name: String, policy: String, trust: String = MotoIAMServer.openTrust) async throws -> String {
        let answer = try await iam(["Action": "CreateRole", "RoleName": name, "AssumeRolePolicyDocument": trust])
        _ = try await iam(["Action": "PutRolePolicy", "RoleName": name, "PolicyName": name, "PolicyDocument": policy])
        guard let arn = Self.find(answer, "Arn")?.text else { throw ProcessGroupError(message: "moto CreateRole: no Arn") }
        return arn
    }

    /// A user with `policy` (nil: none) and its access key.
    package func createUser(_ name: String, policy: String?) async throws -> AWSCredentials {
        _ = try await iam(["Action": "CreateUser", "UserName": name])
        let key = try await iam(["Action": "CreateAccessKey", "UserName": name])
        if let policy {
            _ = try await iam(["Action": "PutUserPolicy", "UserName": name, "PolicyName": name, "PolicyDocument": policy])
        }
        guard let id = Self.find(key, "AccessKeyId")?.text, let secret = Self.find(key, "SecretAccessKey")?.text else {
            throw ProcessGroupError(message: "moto CreateAccessKey: unexpected answer")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    /// An IAM call signed with the admin's keys.
    package func iam(_ parameters: [String: String]) async throws -> S3XMLElement {
        try await Self.iam(url, parameters, as: admin)
    }

    /// Temporary credentials of `roleARN`, assumed with `credentials` (STS AssumeRole, signed).
    package func assumeRole(_ roleARN: String, as credentials: AWSCredentials) async throws -> AWSCredentials {
        let answer = try await Self.post(
            url, ["Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": roleARN, "RoleSessionName": "test-session"], as: credentials,
            service: "sts")
        guard let c = Self.find(answer, "Credentials"), let id = c.text(of: "AccessKeyId"), let secret = c.text(of: "SecretAccessKey")
        else { throw ProcessGroupError(message: "moto AssumeRole: no credentials") }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: c.text(of: "SessionToken"))
    }

    private static func iam(_ url: URL, _ parameters: [String: String], as credentials: AWSCredentials) async throws -> S3XMLElement {
        try await post(url, parameters.merging(["Version": "2010-05-08"]) { a, _ in a }, as: credentials, service: "iam")
    }

    private static func post(_ url: URL, _ parameters: [String: String], as credentials: AWSCredentials, service: String) async throws
        -> S3XMLElement
    {
        let form = parameters.sorted { $0.key < $1.key }
            .map { "\(S3PathEncoding.encodeQueryComponent($0.key))=\(S3PathEncoding.encodeQueryComponent($0.value))" }
            .joined(separator: "&")
        let body = Data(form.utf8)
        let host = "127.0.0.1:\(url.port!)"
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: service)
        let signable = SignableRequest(
            method: "POST", host: host, path: "/", query: [], headers: [("content-type", contentType)],
            payloadHash: S3Client.payloadHash(body))
        let headers = [("Host", host), ("Content-Type", contentType)] + signer.signedHeaders(for: signable, date: Date())
        let data = try await ControlRequest.send(
            "POST", url.absoluteString + "/", headers: headers, body: body, what: "moto \(service) \(parameters["Action"] ?? "")")
        guard let document = S3XMLElement.parse(data) else { throw ProcessGroupError(message: "moto \(service): not XML") }
        return document
    }

    static func find(_ element: S3XMLElement, _ name: String) -> S3XMLElement? {
        if element.name == name { return element }
        for child in element.children {
            if let found = find(child, name) { return found }
        }
        return nil
    }
}
