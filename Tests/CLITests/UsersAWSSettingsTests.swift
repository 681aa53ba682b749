import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// A developer's shell holds their own AWS session; the package ships the team's endpoint,
/// bucket and upload-only key. The background flush and the final flush of `off` land
/// everything in the shipped bucket with the shipped key, and no request carries anything of
/// the user's (checked at a proxy in front of the store).
@Suite("a user's own AWS settings never touch telemetry", .requires(.seaweedfs))
struct UsersAWSSettingsTests {
    static let bucket = "telemetry-test"
    let uploader = AccessPolicy.randomCredentials()

    /// The user's own identity, in every place AWS tools look.
    static let usersValues = [
        "AKIAUSERSOWNKEY12345", "users-own-secret-key-value", "users-own-session-token", "ap-southeast-2", "users-work-profile",
        "AKIAPROFILEKEY678901", "profile-secret-value",
    ]

    func usersEnvironment(home: String, ownEndpoint: String) throws -> [String: String] {
        let aws = home + "/.aws"
        try FileManager.default.createDirectory(atPath: aws, withIntermediateDirectories: true)
        try """
        [default]
        aws_access_key_id = AKIAPROFILEKEY678901
        aws_secret_access_key = profile-secret-value
        [users-work-profile]
        aws_access_key_id = AKIAPROFILEKEY678901
        aws_secret_access_key = profile-secret-value
        """.write(toFile: aws + "/credentials", atomically: true, encoding: .utf8)
        try """
        [default]
        region = ap-southeast-2
        endpoint_url = \(ownEndpoint)
        [profile users-work-profile]
        region = ap-southeast-2
        """.write(toFile: aws + "/config", atomically: true, encoding: .utf8)
        return [
            "AWS_ACCESS_KEY_ID": "AKIAUSERSOWNKEY12345", "AWS_SECRET_ACCESS_KEY": "users-own-secret-key-value",
            "AWS_SESSION_TOKEN": "users-own-session-token", "AWS_REGION": "ap-southeast-2", "AWS_DEFAULT_REGION": "ap-southeast-2",
            "AWS_PROFILE": "users-work-profile", "AWS_ENDPOINT_URL_S3": ownEndpoint, "AWS_ENDPOINT_URL": ownEndpoint,
            "AWS_SHARED_CREDENTIALS_FILE": aws + "/credentials", "AWS_CONFIG_FILE": aws + "/config",
        ]
    }

    @Test("background flush and the final flush of off: the shipped bucket and key, nothing of the user's on the wire")
    func usersAWSIsIgnored() async throws {
        let identities: [[String: Any]] = [
            [
                "name": "uploader", "credentials": [["accessKey": uploader.accessKeyID, "secretKey": uploader.secretAccessKey]],
                "actions": ["Write:\(Self.bucket)"],
            ]
        ]
        try await S3TestServer.with(.seaweedfs, bucket: Self.bucket, identities: identities) { server in
            try await FaultProxy.with(server) { proxy in
                // The user's own endpoint: a listener that must never be asked anything.
                let own = try WireCapture(response: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
                let package = try ShippedPackage(
                    defaults: [
                        "endpoint": proxy.url, "bucket": Self.bucket, "prefix": "fleet/", "region": server.region,
                        "access_key_id": uploader.accessKeyID, "secret_access_key": uploader.secretAccessKey,
                        "flush_interval_seconds": 0,
                    ])
                let users = try usersEnvironment(home: package.sandbox.home, ownEndpoint: "http://127.0.0.1:\(own.port)")
                try await proxy.script([], methods: ["PUT", "GET", "HEAD", "POST", "DELETE"])

                // The user's commands through the packaged shim, with their AWS session in the
                // shell: each recording starts the due background flush.
                for arguments in [["dev", "start"], ["push", "app"], ["dev", "stop"]] {
                    let result = try await offPool { try package.cf(arguments, env: users) }
                    #expect(result.status == 0, "cf \(arguments): \(result.stdout)")
                }
                var landed: [S3Read.Object] = []
                for _ in 0..<600 where landed.flatMap({ $0.lines ?? [] }).count < 4 {
                    landed = try await offPool { try S3Read.dump(server, prefix: "fleet/") }
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
                #expect(landed.flatMap { $0.lines ?? [] }.count == 4, "start_begin, start_end, app_created, stop")

                // status says which AWS variables it ignores, names only.
                let status = try await offPool { try package.cli(["status"], env: users) }
                #expect(status.stdout.contains("AWS variables:   ignored: AWS_ACCESS_KEY_ID, AWS_CONFIG_FILE"), "\(status.stdout)")
                #expect(status.stdout.contains("access_key_id          \(uploader.accessKeyID.prefix(4))"), "\(status.stdout)")
                #expect(status.stdout.contains("(shipped defaults \(package.defaultsPath))"), "\(status.stdout)")

                // The final flush of `off`, in the same shell.
                let off = try await offPool {
                    try package.cli(["off"], env: users.merging(["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS": "30"]) { $1 })
                }
                #expect(off.status == 0, "\(off.stderr)")
                #expect(!off.stdout.contains("not sent and deleted"), "\(off.stdout)")
                let all = try await offPool { try S3Read.dump(server, prefix: "fleet/") }
                let events = all.flatMap { $0.lines ?? [] }.compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["event"] as? String
                }
                #expect(events.sorted() == ["app_created", "start_begin", "start_end", "stop", "telemetry_off"], "\(events)")

                // On the wire: every request signed with the shipped key for the shipped region,
                // and nothing of the user's anywhere in a request.
                let log = try await proxy.log()
                #expect(log.count >= 2, "the background flush and the final flush")
                for entry in log {
                    #expect(entry.head.contains("Credential=\(uploader.accessKeyID)/"), "\(entry.head)")
                    #expect(entry.head.contains("/\(server.region)/s3/aws4_request"), "\(entry.head)")
                    for value in Self.usersValues {
                        #expect(!entry.head.contains(value), "\(value) in \(entry.head)")
                    }
                    #expect(!entry.head.lowercased().contains("x-amz-security-token"), "\(entry.head)")
                }
                #expect(own.request(timeout: 0.5) == nil, "the user's own endpoint was asked")
            }
        }
    }
}
