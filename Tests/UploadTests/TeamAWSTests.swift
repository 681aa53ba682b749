import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryTestSupport
import TelemetryStore
import Testing

/// A deployment on AWS, played against moto with IAM enforced: the three roles made from the
/// documents `cfdev-telemetry policy --format aws` prints, the clients uploading with the
/// uploader's credentials, and the team's `report`, `compact` and `retention` running with
/// nothing but a profile that assumes a role through STS, or a web identity token.
@Suite("The team on AWS (moto, IAM enforced)", .serialized, .requires(.moto), .motoIAMServer)
struct TeamAWSTests {
    /// One deployment under its own prefix: the roles' ARNs and a team member's user, who may
    /// only assume roles.
    struct Deployment {
        let server: MotoIAMServer
        let bucket: String
        let prefix: String
        let roles: [AccessPolicy.Role: String]
        let member: AWSCredentials
        let today = CivilDate(secondsSinceEpoch: Date().timeIntervalSince1970).description

        /// The roles are named `<name>-<role>` (or as `roleName` says), the prefix is `<name>/`
        /// (or `prefix`); a `bucket` other than the server's is created.
        static func make(
            _ name: String, bucket: String? = nil, prefix: String? = nil, roleName: ((AccessPolicy.Role) -> String)? = nil
        ) async throws -> Deployment {
            let server = try MotoIAMServer.requireCurrent()
            let bucket = bucket ?? server.bucket
            if bucket != server.bucket { try await server.client(server.admin, bucket: bucket).createBucket() }
            let prefix = prefix ?? "\(name)/"
            let printed = try Sandbox().cli(["policy", "--format", "aws", "--bucket", bucket, "--prefix", prefix])
            #expect(printed.status == 0, "\(printed.stderr)")
            let documents = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
            var roles: [AccessPolicy.Role: String] = [:]
            for role in AccessPolicy.Role.allCases {
                let document = try #require(documents[role.rawValue])
                let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
                roles[role] = try await server.createRole(roleName?(role) ?? "\(name)-\(role.rawValue)", policy: text)
            }
            let member = try await server.createUser(
                "\(name)-member", policy: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)
            return Deployment(server: server, bucket: bucket, prefix: prefix, roles: roles, member: member)
        }

        /// Credentials of `role`, assumed by the team member.
        func credentials(_ role: AccessPolicy.Role) async throws -> AWSCredentials {
            try await server.assumeRole(roles[role]!, as: member)
        }

        /// `machines` machines (so that every report cell has that many) each record the same
        /// `count` events (today, or `daysAgo`) and flush them with the uploader role's
        /// temporary credentials.
        func upload(_ count: Int, daysAgo: Int = 0, machines: Int = 2) async throws {
            let uploader = try await credentials(.uploader)
            for _ in 0..<machines {
                let sandbox = try Sandbox(machineID: (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined())
                try sandbox.setConsent(.on)
                let environment: [String: String] = [
                    "CFDEV_TELEMETRY_ENDPOINT": server.url.absoluteString, "CFDEV_TELEMETRY_BUCKET": bucket, "CFDEV_TELEMETRY_PREFIX": prefix,
                    "CFDEV_TELEMETRY_ACCESS_KEY_ID": uploader.accessKeyID, "CFDEV_TELEMETRY_SECRET_ACCESS_KEY": uploader.secretAccessKey,
                    "CFDEV_TELEMETRY_SESSION_TOKEN": uploader.sessionToken ?? "", "CFDEV_TELEMETRY_FLUSHER": "/bin/true",
                ]
                let home = sandbox.telemetryHome
                let recorder = Recorder(home: home, environment: sandbox.environment(environment), log: TelemetryLog(home: home))
                let spool = try Spool.open(home: home)
                let now = WallClock.nowMilliseconds()
                let kinds: [EventName] = [.appCreated, .stop, .serviceCreated]
                _ = try recorder.record(
                    (0..<count).map {
                        Recorder.Occurrence(
                            event: kinds[$0 % kinds.count], milliseconds: now - Int64(daysAgo) * 86_400_000 - Int64(count - $0))
                    }, in: spool,
                    cap: 1_000_000)
                let flushed = try await offPool { try sandbox.cli(["flush"], env: environment) }
                #expect(flushed.status == 0, "flush as the uploader: \(flushed.stdout) \(flushed.stderr)")
            }
        }

        /// A team member's machine: `~/.aws` with the member's keys (profile `member`) and one
        /// profile per role assuming it from them; the environment names only the store
        /// (endpoint, bucket, prefix) and `extra`.
        func teamMember(_ extra: [String: String]) throws -> (Sandbox, [String: String]) {
            let sandbox = try Sandbox()
            try FileManager.default.createDirectory(atPath: sandbox.home + "/.aws", withIntermediateDirectories: true)
            try "[member]\naws_access_key_id = \(member.accessKeyID)\naws_secret_access_key = \(member.secretAccessKey)\n"
                .write(toFile: sandbox.home + "/.aws/credentials", atomically: true, encoding: .utf8)
            let profiles = AccessPolicy.Role.allCases.map { "[profile \($0.rawValue)]\nrole_arn = \(roles[$0]!)\nsource_profile = member\n" }
            try profiles.joined(separator: "\n").write(toFile: sandbox.home + "/.aws/config", atomically: true, encoding: .utf8)
            let environment = [
                "AWS_ENDPOINT_URL": server.url.absoluteString, "CFDEV_TELEMETRY_BUCKET": bucket, "CFDEV_TELEMETRY_PREFIX": prefix,
                "AWS_EC2_METADATA_DISABLED": "true",
            ].merging(extra) { _, new in new }
            return (sandbox, environment)
        }

        /// `report` of today as JSON: the total events and the objects read.
        func report(_ sandbox: Sandbox, _ environment: [String: String], day: String? = nil) async throws -> (
            events: Int, objects: Int, result: ProcessResult
        ) {
            let day = day ?? today
            let result = try await offPool {
                try sandbox.cli(["report", "--from", day, "--to", day, "--format", "json", "--no-cache", "--k", "2"], env: environment)
            }
            guard result.status == 0 else { return (-1, -1, result) }
            let (events, objects) = try Self.totals(ofJSONReport: result.stdout)
            return (events, objects, result)
        }

        /// The total events and the objects read of a JSON report.
        static func totals(ofJSONReport text: String) throws -> (events: Int, objects: Int) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let rows = object["rows"] as? [[String: Any]] ?? []
            let total = rows.first { row in ["event", "os", "build", "period"].allSatisfy { row[$0] is NSNull } }
            let input = object["input"] as? [String: Any]
            return (total?["events"] as? Int ?? -1, input?["objects"] as? Int ?? -1)
        }

        /// The keys under the prefix, as the admin sees them.
        func keys() async throws -> [String] {
            try await server.client(server.admin, bucket: bucket).listObjectsV2(prefix: prefix).keys
        }
    }

    @Test func aProfileAssumingARoleRunsReportAndCompact() async throws {
        let deployment = try await Deployment.make("profile")
        try await deployment.upload(6)
        let uploaded = try await deployment.keys()
        #expect(uploaded.count == 2, "\(uploaded)")

        let (sandbox, reader) = try deployment.teamMember(["AWS_PROFILE": "reader"])
        let before = try await deployment.report(sandbox, reader)
        #expect(before.result.status == 0, "\(before.result.stderr)")
        #expect(before.events == 12 && before.objects == 2, "\(before.result.stdout)")

        // The reader may not compact: refused by IAM, nothing lost.
        let refused = try await offPool {
            try sandbox.cli(["compact", "--from", deployment.today, "--to", deployment.today], env: reader)
        }
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("AccessDenied"), "\(refused.stderr)")
        #expect(try await deployment.keys() == uploaded)

        let operatorEnvironment = reader.merging(["AWS_PROFILE": "operator"]) { _, new in new }
        let compacted = try await offPool {
            try sandbox.cli(["compact", "--from", deployment.today, "--to", deployment.today], env: operatorEnvironment)
        }
        #expect(compacted.status == 0, "\(compacted.stdout) \(compacted.stderr)")
        #expect(compacted.stdout.contains("2 objects → 1, 2 deleted, 12 events"), "\(compacted.stdout)")
        let after = try await deployment.report(sandbox, reader)
        #expect(after.events == 12 && after.objects == 1, "\(after.result.stdout) \(after.result.stderr)")

        // doctor says which source it used, and what the role may do.
        let doctor = try await offPool { try sandbox.cli(["doctor", "--role", "reader"], env: reader) }
        #expect(doctor.status == 0, "\(doctor.stdout) \(doctor.stderr)")
        #expect(
            doctor.stdout.contains("ok   credentials: the reader's from profile \"reader\": role \(deployment.roles[.reader]!) assumed through STS"),
            "\(doctor.stdout)")
        #expect(doctor.stdout.contains("ok   list: may list profile/events/v1/"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("ok   read: may read profile/events/v1/dt=\(deployment.today)/compacted-"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("ok   erasure requests: may list profile/erasures/v1/"), "\(doctor.stdout)")
    }

    @Test func aWebIdentityTokenRunsReportAndCompact() async throws {
        let deployment = try await Deployment.make("oidc")
        try await deployment.upload(3)
        let (sandbox, _) = try deployment.teamMember([:])
        let token = sandbox.root + "/oidc-token"
        try "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmNmZGV2OnJlZjpyZWZzL2hlYWRzL21haW4ifQ.c2ln".write(
            toFile: token, atomically: true, encoding: .utf8)
        // No ~/.aws at all: a CI runner.
        try FileManager.default.removeItem(atPath: sandbox.home + "/.aws")
        func identity(_ role: AccessPolicy.Role) -> [String: String] {
            [
                "AWS_ENDPOINT_URL": deployment.server.url.absoluteString, "CFDEV_TELEMETRY_BUCKET": deployment.bucket,
                "CFDEV_TELEMETRY_PREFIX": deployment.prefix, "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": deployment.roles[role]!,
            ]
        }
        let report = try await deployment.report(sandbox, identity(.reader))
        #expect(report.events == 6 && report.objects == 2, "\(report.result.stdout) \(report.result.stderr)")
        let operatorIdentity = identity(.operator)
        let compacted = try await offPool {
            try sandbox.cli(["compact", "--from", deployment.today, "--to", deployment.today], env: operatorIdentity)
        }
        #expect(compacted.status == 0, "\(compacted.stdout) \(compacted.stderr)")
        let after = try await deployment.report(sandbox, identity(.reader))
        #expect(after.events == 6 && after.objects == 1, "\(after.result.stdout) \(after.result.stderr)")
        let retention = try await offPool { try sandbox.cli(["retention", "--days", "400"], env: operatorIdentity) }
        #expect(retention.status == 0, "\(retention.stdout) \(retention.stderr)")
        #expect(retention.stdout.contains("cfdev-telemetry-retention"), "\(retention.stdout)")
        let doctor = try await offPool { try sandbox.cli(["doctor", "--role", "operator"], env: operatorIdentity) }
        #expect(doctor.status == 0, "\(doctor.stdout) \(doctor.stderr)")
        #expect(doctor.stdout.contains("ok   credentials: the operator's from web identity: role \(deployment.roles[.operator]!)"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("ok   lifecycle: may read the bucket's lifecycle rules"), "\(doctor.stdout)")
    }

    /// A broken source stops a team command at once with one line naming it; the uploader's
    /// `doctor` takes no profile.
    @Test func aBrokenSourceIsOneLineNamingIt() async throws {
        let deployment = try await Deployment.make("broken")
        let (sandbox, environment) = try deployment.teamMember(["AWS_PROFILE": "nobody"])
        let report = try await offPool {
            try sandbox.cli(["report", "--from", deployment.today], env: environment)
        }
        #expect(report.status == 1)
        #expect(
            report.stderr
                == "Error: the reader's credentials: AWS profile: profile \"nobody\" is in neither \(sandbox.home)/.aws/credentials nor \(sandbox.home)/.aws/config\n"
        )
        let doctor = try await offPool { try sandbox.cli(["doctor", "--profile", "reader"], env: environment) }
        #expect(doctor.status == 64)
        #expect(doctor.stderr.contains("--profile is for the team's roles"), "\(doctor.stderr)")
        let uploader = try await offPool { try sandbox.cli(["doctor", "--role", "uploader"], env: environment) }
        #expect(uploader.status == 64)
    }

    /// Each printed role does its whole job and is refused the rest (moto checks actions and
    /// resources; it ignores the documents' conditions, so `If-None-Match` and the list
    /// prefixes are AWS's to enforce).
    @Test func eachPrintedRoleCanDoExactlyItsJob() async throws {
        let deployment = try await Deployment.make("roles")
        let server = deployment.server
        let admin = try server.client(server.admin)
        let day = deployment.today
        let eventKey = "roles/events/v1/dt=\(day)/seeded.ndjson.gz"
        let otherKey = "elsewhere/events/v1/dt=\(day)/other.ndjson.gz"
        try await admin.putObject(key: eventKey, body: Data("seed".utf8))
        try await admin.putObject(key: otherKey, body: Data("other".utf8))
        let lifecycle =
            "<LifecycleConfiguration><Rule><ID>x</ID><Filter><Prefix>roles/events/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>"

        func refused(_ what: String, _ operation: () async throws -> Void) async {
            do {
                try await operation()
                Issue.record("\(what) was allowed")
            } catch let error as S3Error {
                #expect(error.code == "AccessDenied", "\(what): \(error)")
            } catch {
                Issue.record("\(what): \(error)")
            }
        }

        let uploader = try server.client(try await deployment.credentials(.uploader))
        try await uploader.putObject(key: "roles/events/v1/dt=\(day)/up.ndjson.gz", body: Data("u".utf8), writeOnce: true)
        await refused("uploader list") { _ = try await uploader.listObjectsV2(prefix: "roles/events/v1/") }
        await refused("uploader get") { _ = try await uploader.getObject(key: eventKey) }
        await refused("uploader delete") { _ = try await uploader.deleteObject(key: eventKey) }
        await refused("uploader put outside events/") { _ = try await uploader.putObject(key: "roles/rejected/v1/x", body: Data(), writeOnce: true) }
        await refused("uploader put under another prefix") { _ = try await uploader.putObject(key: otherKey + ".2", body: Data(), writeOnce: true) }
        await refused("uploader lifecycle") { _ = try await uploader.getBucketLifecycle() }

        let reader = try server.client(try await deployment.credentials(.reader))
        #expect(try await reader.listObjectsV2(prefix: "roles/events/v1/").keys.contains(eventKey))
        #expect(try await reader.getObject(key: eventKey) == Data("seed".utf8))
        await refused("reader get under another prefix") { _ = try await reader.getObject(key: otherKey) }
        await refused("reader put") { _ = try await reader.putObject(key: "roles/events/v1/dt=\(day)/r.ndjson.gz", body: Data(), writeOnce: true) }
        await refused("reader delete") { _ = try await reader.deleteObject(key: eventKey) }
        await refused("reader lifecycle") { _ = try await reader.putBucketLifecycle(lifecycle) }

        let operatorClient = try server.client(try await deployment.credentials(.operator))
        #expect(try await operatorClient.listObjectsV2(prefix: "roles/events/v1/").keys.contains(eventKey))
        #expect(try await operatorClient.getObject(key: eventKey) == Data("seed".utf8))
        try await operatorClient.putObject(key: "roles/events/v1/dt=\(day)/compacted-x.ndjson.gz", body: Data("c".utf8), writeOnce: true)
        try await operatorClient.putObject(key: "roles/rejected/v1/dt=\(day)/moved.ndjson.gz", body: Data("m".utf8), writeOnce: true)
        _ = try await operatorClient.deleteObject(key: "roles/events/v1/dt=\(day)/compacted-x.ndjson.gz")
        try await operatorClient.putBucketLifecycle(lifecycle)
        #expect(try await operatorClient.getBucketLifecycle().contains("roles/events/"))
        await refused("operator get under another prefix") { _ = try await operatorClient.getObject(key: otherKey) }
        await refused("operator delete under another prefix") { _ = try await operatorClient.deleteObject(key: otherKey) }
        await refused("operator put under another prefix") { _ = try await operatorClient.putObject(key: otherKey + ".3", body: Data(), writeOnce: true) }
        await refused("operator delete moved-aside objects") { _ = try await operatorClient.deleteObject(key: "roles/rejected/v1/dt=\(day)/moved.ndjson.gz") }
        // Nothing the refused calls touched changed.
        #expect(try await admin.getObject(key: otherKey) == Data("other".utf8))
        #expect(try await admin.getObject(key: eventKey) == Data("seed".utf8))
    }
}
