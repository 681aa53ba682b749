import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// The team's AWS credential chain, in-process, against moto's real STS and IAM (assumed roles,
/// web identity) and loopback stand-ins for the container and instance metadata endpoints.
@Suite("AWS credential chain", .serialized, .requires(.moto), .motoIAMServer)
struct CredentialChainTests {
    /// A home with `~/.aws/config` and `~/.aws/credentials` as given, and the environment to
    /// use it: HOME only, instance metadata off unless a test turns it on.
    struct AWSHome {
        let root: String

        init(config: String = "", credentials: String = "") throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("aws-home-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: root + "/.aws", withIntermediateDirectories: true)
            try config.write(toFile: root + "/.aws/config", atomically: true, encoding: .utf8)
            try credentials.write(toFile: root + "/.aws/credentials", atomically: true, encoding: .utf8)
        }

        func environment(_ extra: [String: String] = [:]) -> [String: String] {
            ["HOME": root, "PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { _, new in new }
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = root + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func chain(_ environment: [String: String], profile: String? = nil) -> AWSCredentialChain {
        var chain = AWSCredentialChain(environment: environment)
        chain.profileFlag = profile
        chain.stsTimeout = 5
        chain.localEndpointTimeout = 2
        chain.processTimeout = 3
        return chain
    }

    /// The error of resolving `chain`, which must fail with one line.
    static func failure(_ chain: AWSCredentialChain) async -> String {
        do {
            let resolved = try await chain.resolve()
            return "resolved unexpectedly: \(resolved.source)"
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n"), "not one line: \(text)")
            return text
        }
    }

    static let readEverything = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":"*"}]}"#
    static let assumeOnly = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#

    @Test func profileAssumesARoleThroughSTSWithItsSourceProfile() async throws {
        let server = try MotoIAMServer.requireCurrent()
        let role = try await server.createRole("chain-reader", policy: Self.readEverything)
        let base = try await server.createUser("chain-base", policy: Self.assumeOnly)
        let home = try AWSHome(
            config: "[profile team]\nrole_arn = \(role)\nsource_profile = base\nrole_session_name = nightly\nregion = eu-west-3\n",
            credentials: "[base]\naws_access_key_id = \(base.accessKeyID)\naws_secret_access_key = \(base.secretAccessKey)\n")
        let resolved = try await Self.chain(home.environment(["AWS_PROFILE": "team", "AWS_ENDPOINT_URL": server.url.absoluteString])).resolve()
        #expect(resolved.region == "eu-west-3")
        #expect(resolved.source.contains("profile \"team\": role \(role) assumed through STS \(server.url.absoluteString)"), "\(resolved.source)")
        #expect(resolved.source.contains("profile \"base\": keys in \(home.root)/.aws/credentials"), "\(resolved.source)")
        let credentials = try await resolved.provider.credentials()
        #expect(credentials.accessKeyID != base.accessKeyID && credentials.sessionToken != nil && credentials.expiration != nil)
        // The role's credentials, not the user's: the role may list, the user may not.
        _ = try await server.client(resolved.provider).listObjectsV2(maxKeys: 1)
        await #expect(throws: S3Error.self) { try await server.client(base).listObjectsV2(maxKeys: 1) }
    }

    @Test func stsRefusingTheRoleIsOneLineNamingTheProfile() async throws {
        let server = try MotoIAMServer.requireCurrent()
        let closed = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/nobody"},"Action":"sts:AssumeRole"}]}"#
        let role = try await server.createRole("chain-closed", policy: Self.readEverything, trust: closed)
        let base = try await server.createUser("chain-outsider", policy: Self.assumeOnly)
        let home = try AWSHome(
            config: "[profile closed]\nrole_arn = \(role)\nsource_profile = outsider\n",
            credentials: "[outsider]\naws_access_key_id = \(base.accessKeyID)\naws_secret_access_key = \(base.secretAccessKey)\n")
        let text = await Self.failure(Self.chain(home.environment(["AWS_ENDPOINT_URL_STS": server.url.absoluteString]), profile: "closed"))
        #expect(text.hasPrefix("assume role for profile \"closed\": STS AssumeRole refused (AccessDenied"), "\(text)")
    }

    /// `external_id` is sent as STS's `ExternalId` (moto checks a trust policy's
    /// `StringEquals` on `sts:ExternalId` when one is sent).
    @Test func externalIDAndSessionDurationGoToSTS() async throws {
        let server = try MotoIAMServer.requireCurrent()
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"cfdev-7f3a"}}}]}"#
        let role = try await server.createRole("chain-external", policy: Self.readEverything, trust: trust)
        let base = try await server.createUser("chain-partner", policy: Self.assumeOnly)
        let home = try AWSHome(
            config: """
                [profile right]
                role_arn = \(role)
                source_profile = partner
                external_id = cfdev-7f3a
                duration_seconds = 900

                [profile wrong]
                role_arn = \(role)
                source_profile = partner
                external_id = guessed

                [profile odd]
                role_arn = \(role)
                source_profile = partner
                duration_seconds = 60
                """,
            credentials: "[partner]\naws_access_key_id = \(base.accessKeyID)\naws_secret_access_key = \(base.secretAccessKey)\n")
        let environment = home.environment(["AWS_ENDPOINT_URL": server.url.absoluteString])
        let right = try await Self.chain(environment, profile: "right").resolve()
        let credentials = try await right.provider.credentials()
        let lifetime = try #require(credentials.expiration).timeIntervalSinceNow
        #expect(lifetime > 800 && lifetime <= 900, "\(lifetime)")
        _ = try await server.client(right.provider).listObjectsV2(maxKeys: 1)
        let wrong = await Self.failure(Self.chain(environment, profile: "wrong"))
        #expect(wrong.hasPrefix("assume role for profile \"wrong\": STS AssumeRole refused (AccessDenied"), "\(wrong)")
        #expect(
            await Self.failure(Self.chain(environment, profile: "odd"))
                == "profile \"odd\": duration_seconds must be a whole number from 900 to 43200")
    }

    @Test func webIdentityFromTheEnvironmentIsUnsignedAndReadsTheTokenFile() async throws {
        let server = try MotoIAMServer.requireCurrent()
        let role = try await server.createRole("chain-ci", policy: Self.readEverything)
        let home = try AWSHome()
        let token = try home.write("oidc-token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmNmZGV2In0.c2lnbmF0dXJl\n")
        let environment = home.environment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": role, "AWS_ROLE_SESSION_NAME": "github-actions",
            "AWS_ENDPOINT_URL": server.url.absoluteString,
        ])
        let resolved = try await Self.chain(environment).resolve()
        #expect(resolved.source.hasPrefix("web identity: role \(role) with the token in \(token) (AWS_WEB_IDENTITY_TOKEN_FILE)"), "\(resolved.source)")
        _ = try await server.client(resolved.provider).listObjectsV2(maxKeys: 1)
        // A token file that is gone, or far too large: one line naming it.
        try FileManager.default.removeItem(atPath: token)
        #expect(await Self.failure(Self.chain(environment)) == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE \(token)): the token file does not exist")
        try String(repeating: "x", count: 100_000).write(toFile: token, atomically: true, encoding: .utf8)
        #expect(await Self.failure(Self.chain(environment)) == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE \(token)): \(token): larger than 64 KiB")
    }

    @Test func profileWebIdentityTokenFileIsUsed() async throws {
        let server = try MotoIAMServer.requireCurrent()
        let role = try await server.createRole("chain-pod", policy: Self.readEverything)
        let home = try AWSHome()
        let token = try home.write("pod-token", "pod-oidc-token-value")
        try "[default]\nrole_arn = \(role)\nweb_identity_token_file = \(token)\n".write(toFile: home.root + "/.aws/config", atomically: true, encoding: .utf8)
        let resolved = try await Self.chain(home.environment(["AWS_ENDPOINT_URL": server.url.absoluteString])).resolve()
        #expect(resolved.source.contains("(web_identity_token_file of profile \"default\")"), "\(resolved.source)")
        _ = try await server.client(resolved.provider).listObjectsV2(maxKeys: 1)
    }

    @Test func keysInTheEnvironmentComeFirstUnlessAProfileIsNamedByFlag() async throws {
        let home = try AWSHome(credentials: "[ops]\naws_access_key_id = AKIAPROFILEKEY000000\naws_secret_access_key = profile-secret\n")
        var chain = Self.chain(home.environment(["AWS_PROFILE": "ops"]))
        chain.keys = (AWSCredentials(accessKeyID: "AKIAENVIRONMENTKEY00", secretAccessKey: "env-secret"), "environment AWS_ACCESS_KEY_ID")
        let fromEnvironment = try await chain.resolve()
        #expect(fromEnvironment.source == "keys from environment AWS_ACCESS_KEY_ID")
        #expect(try await fromEnvironment.provider.credentials().accessKeyID == "AKIAENVIRONMENTKEY00")
        chain.profileFlag = "ops"
        let fromProfile = try await chain.resolve()
        #expect(fromProfile.source == "profile \"ops\": keys in \(home.root)/.aws/credentials")
        #expect(try await fromProfile.provider.credentials().accessKeyID == "AKIAPROFILEKEY000000")
    }

    @Test func sharedFilesAtTheirVariablesAndProfileSectionsAsTheCLIWritesThem() async throws {
        let home = try AWSHome()
        let config = try home.write("elsewhere-config", "[ci]\nregion = eu-central-1\n[profile team]\nregion = ap-south-1\naws_access_key_id = AKIACONFIGFILEKEY000\naws_secret_access_key = s\n")
        let credentials = try home.write("elsewhere-credentials", "# comment\n[team]\naws_access_key_id = AKIACREDENTIALSFILE0\naws_secret_access_key = s2\n")
        let environment = home.environment(["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": credentials])
        // The credentials file's keys win over the config file's; the region is the config file's.
        let team = try await Self.chain(environment, profile: "team").resolve()
        #expect(try await team.provider.credentials().accessKeyID == "AKIACREDENTIALSFILE0")
        #expect(team.region == "ap-south-1")
        // `[ci]` in the config file is not a profile there.
        #expect(
            await Self.failure(Self.chain(environment, profile: "ci"))
                == "AWS profile: profile \"ci\" is in neither \(credentials) nor \(config) (the config file has [ci]: there it must be written [profile ci])")
        // A file that is not a regular file, or too large: one line naming it.
        try String(repeating: "#", count: 2 << 20).write(toFile: config, atomically: true, encoding: .utf8)
        #expect(await Self.failure(Self.chain(environment, profile: "team")) == "\(config): larger than 1024 KiB")
    }

    // MARK: credential_process

    @Test func credentialProcessGivesCredentialsWithTheirExpiration() async throws {
        let home = try AWSHome()
        let script = try home.write(
            "creds.sh",
            #"echo '{"Version": 1, "AccessKeyId": "AKIAPROCESS000000000", "SecretAccessKey": "p", "SessionToken": "t", "Expiration": "2999-01-01T00:00:00Z"}'"#)
        try "[profile ci]\ncredential_process = /bin/sh \(script)\n".write(toFile: home.root + "/.aws/config", atomically: true, encoding: .utf8)
        let resolved = try await Self.chain(home.environment(), profile: "ci").resolve()
        #expect(resolved.source == "profile \"ci\": credential_process")
        let credentials = try await resolved.provider.credentials()
        #expect(credentials.accessKeyID == "AKIAPROCESS000000000" && credentials.sessionToken == "t")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 32_472_144_000))
    }

    @Test(
        "a hostile credential_process is bounded and named in one line",
        arguments: [
            ("sleep 600", "credential_process for profile \"ci\": printed no complete answer within 3 s (killed)"),
            ("head -c 5000000 /dev/zero | tr '\\0' x", "credential_process for profile \"ci\": printed more than 64 KiB (killed)"),
            ("echo '{\"Version\": 1, \"AccessKeyId\": \"A\"'", "credential_process for profile \"ci\": did not give a JSON object (34 bytes)"),
            (
                "echo '{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}'",
                "credential_process for profile \"ci\": gave a document without \"Version\": 1"
            ),
            (
                "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\", \"Expiration\": \"2001-01-01T00:00:00Z\"}'",
                "credential_process for profile \"ci\": gave credentials that expired at 2001-01-01T00:00:00.000Z"
            ),
            ("echo 'sso session expired' >&2; exit 3", "credential_process for profile \"ci\": exited with status 3"),
        ])
    func hostileCredentialProcess(_ command: String, _ expected: String) async throws {
        let home = try AWSHome()
        // The command's children too: a `sleep` left holding the pipe must not outlive the limit.
        try "[profile ci]\ncredential_process = \(command)\n".write(toFile: home.root + "/.aws/config", atomically: true, encoding: .utf8)
        #expect(await Self.failure(Self.chain(home.environment(), profile: "ci")) == expected)
    }

    /// Temporary credentials are fetched again before they expire, while a long job goes on:
    /// a credential process whose credentials last 10 seconds, and requests until it has been
    /// asked three times (at most a minute).
    @Test func temporaryCredentialsAreRefreshedBeforeTheyExpire() async throws {
        let server = try MotoIAMServer.requireCurrent()
        let keys = try await server.createUser("chain-refresh", policy: Self.readEverything)
        let home = try AWSHome()
        let count = home.root + "/fetches"
        let script = try home.write(
            "short-lived.sh",
            """
            echo fetch >> \(count)
            printf '{"Version": 1, "AccessKeyId": "\(keys.accessKeyID)", "SecretAccessKey": "\(keys.secretAccessKey)", "Expiration": "%s"}' "$(date -u -d '+10 seconds' +%Y-%m-%dT%H:%M:%SZ)"
            """)
        try "[profile short]\ncredential_process = /bin/sh \(script)\n".write(toFile: home.root + "/.aws/config", atomically: true, encoding: .utf8)
        let resolved = try await Self.chain(home.environment(), profile: "short").resolve()
        let client = try server.client(resolved.provider)
        func fetches() throws -> Int { try String(contentsOfFile: count, encoding: .utf8).split(separator: "\n").count }
        let end = Date().addingTimeInterval(60)
        var requests = 0
        while try fetches() < 3 && Date() < end {
            _ = try await client.listObjectsV2(maxKeys: 1)
            requests += 1
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        // Fetched at start, then about every 5 s (half the lifetime): never once per request.
        let fetched = try fetches()
        #expect(fetched >= 3 && fetched < requests, "\(fetched) fetches for \(requests) requests")
        let provider = try #require(resolved.provider as? RefreshingCredentials)
        #expect(await provider.fetches == fetched)
    }

    @Test func refreshHappensAtHalfTheLifetimeAtMostFiveMinutesBeforeExpiry() async throws {
        let now = LockedClock(Date(timeIntervalSince1970: 1_000_000))
        let calls = LockedCounter()
        let clock: @Sendable () -> Date = { now.get() }
        let provider = RefreshingCredentials(source: "test", clock: clock) {
            calls.add()
            return AWSCredentials(accessKeyID: "A", secretAccessKey: "B", expiration: now.get().addingTimeInterval(3600))
        }
        _ = try await provider.credentials()
        now.advance(3600 - 301)
        _ = try await provider.credentials()
        #expect(calls.value == 1)
        now.advance(2)
        _ = try await provider.credentials()
        #expect(calls.value == 2)
    }

    @Test func aFailedEarlyRefreshKeepsTheCredentialsInHandUntilTheyExpire() async throws {
        let now = LockedClock(Date(timeIntervalSince1970: 1_000_000))
        let calls = LockedCounter()
        let clock: @Sendable () -> Date = { now.get() }
        let provider = RefreshingCredentials(source: "assume role for profile \"ops\"", clock: clock) {
            calls.add()
            guard calls.value == 1 else { throw CredentialSourceError("assume role for profile \"ops\"", "STS AssumeRole refused (Throttling)") }
            return AWSCredentials(accessKeyID: "FIRST", secretAccessKey: "B", expiration: now.get().addingTimeInterval(3600))
        }
        _ = try await provider.credentials()
        now.advance(3400)  // past the refresh point: the refresh fails, the first credentials still work
        #expect(try await provider.credentials().accessKeyID == "FIRST")
        #expect(calls.value == 2)
        now.advance(10)  // within the 30 s pause: no new try
        _ = try await provider.credentials()
        #expect(calls.value == 2)
        now.advance(180)  // 10 s before expiry: the failure is the answer
        await #expect(throws: CredentialSourceError.self) { try await provider.credentials() }
    }

    /// Concurrent requests of a long report that arrive while the failing refresh is in flight
    /// get the credentials in hand too, not the refresh's error.
    @Test func everyCallerWaitingOnAFailedRefreshGetsTheCredentialsInHand() async throws {
        let now = LockedClock(Date(timeIntervalSince1970: 1_000_000))
        let calls = LockedCounter()
        let clock: @Sendable () -> Date = { now.get() }
        let provider = RefreshingCredentials(source: "web identity", clock: clock) {
            calls.add()
            guard calls.value == 1 else {
                try await Task.sleep(nanoseconds: 300_000_000)  // STS answers late, then fails
                throw CredentialSourceError("web identity", "STS AssumeRoleWithWebIdentity answered HTTP 503")
            }
            return AWSCredentials(accessKeyID: "FIRST", secretAccessKey: "B", expiration: now.get().addingTimeInterval(3600))
        }
        _ = try await provider.credentials()
        now.advance(3400)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<6 { group.addTask { try await provider.credentials().accessKeyID } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(keys == Array(repeating: "FIRST", count: 6))
        #expect(calls.value == 2)
    }

    // MARK: Container and instance metadata

    @Test func containerCredentialsWithTheAuthorizationTokenFile() async throws {
        let keys = AWSCredentials(accessKeyID: "AKIACONTAINER0000000", secretAccessKey: "c")
        let standIn = try await CredentialStandIn.start("ok", keys: keys, authorization: "pod-identity-token")
        defer { standIn.stop() }
        let home = try AWSHome()
        let tokenFile = try home.write("eks-token", "pod-identity-token\n")
        let environment = home.environment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": standIn.url + "/container/v1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
        ])
        let resolved = try await Self.chain(environment).resolve()
        #expect(resolved.source == "container credentials (\(standIn.url)/container/v1/credentials)")
        let credentials = try await resolved.provider.credentials()
        #expect(credentials.accessKeyID == "AKIACONTAINER0000000" && credentials.sessionToken == "stand-in-session")
        // The wrong token: the endpoint's refusal, in one line.
        var wrong = environment
        wrong["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = nil
        wrong["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "stolen"
        #expect(await Self.failure(Self.chain(wrong)) == "container credentials: \(standIn.url)/container/v1/credentials answered HTTP 401")
        // A full URI over plain HTTP to another host is refused before any request.
        #expect(
            await Self.failure(Self.chain(home.environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.169.254/evil"])))
                == "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to loopback or 169.254.170.2 (got http://169.254.169.254/evil)")
    }

    @Test func instanceMetadataAsksForASessionTokenFirst() async throws {
        let keys = AWSCredentials(accessKeyID: "AKIAINSTANCE00000000", secretAccessKey: "i")
        let standIn = try await CredentialStandIn.start("ok", keys: keys)
        defer { standIn.stop() }
        let home = try AWSHome()
        var environment = home.environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": standIn.url + "/"])
        environment["AWS_EC2_METADATA_DISABLED"] = nil
        let resolved = try await Self.chain(environment).resolve()
        #expect(resolved.source == "instance metadata (IMDSv2), \(standIn.url)")
        #expect(try await resolved.provider.credentials().accessKeyID == "AKIAINSTANCE00000000")
        let requests = standIn.requests()
        #expect(requests.first?.hasPrefix("PUT /latest/api/token") == true, "\(requests)")
        #expect(requests.dropFirst().allSatisfy { $0.contains("token=imds-session-token") }, "\(requests)")
    }

    @Test(
        "hostile container, instance metadata and STS answers are bounded and named in one line",
        arguments: ["huge", "malformed", "stall", "expired"])
    func hostileEndpoints(_ mode: String) async throws {
        let keys = AWSCredentials(accessKeyID: "AKIAHOSTILE000000000", secretAccessKey: "h")
        let standIn = try await CredentialStandIn.start(mode, keys: keys)
        defer { standIn.stop() }
        let home = try AWSHome()
        let container = standIn.url + "/container/c"
        var metadata = home.environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": standIn.url])
        metadata["AWS_EC2_METADATA_DISABLED"] = nil
        let token = try home.write("token", "web-identity-token")
        let sts = home.environment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r", "AWS_ENDPOINT_URL_STS": standIn.url,
        ])
        let texts = [
            await Self.failure(Self.chain(home.environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": container]))),
            await Self.failure(Self.chain(metadata)),
            await Self.failure(Self.chain(sts)),
        ]
        let sources = ["container credentials", "no AWS credentials found: ", "web identity (AWS_WEB_IDENTITY_TOKEN_FILE \(token))"]
        for (text, source) in zip(texts, sources) {
            #expect(text.hasPrefix(source), "\(mode): \(text)")
        }
        let expected: [String]
        switch mode {
        case "huge":
            expected = [
                "container credentials: the answer of \(container) is larger than 64 KiB",
                "instance metadata (IMDSv2): the answer of \(standIn.url)/latest/api/token is larger than 64 KiB",
                "web identity (AWS_WEB_IDENTITY_TOKEN_FILE \(token)): the answer of \(standIn.url) is larger than 64 KiB",
            ]
        case "malformed":
            expected = [
                "container credentials: did not give a JSON object (18 bytes)",
                "instance metadata (IMDSv2): did not give a JSON object (18 bytes)",
                "STS AssumeRoleWithWebIdentity answered 200 without credentials",
            ]
        case "stall":
            expected = [
                "container credentials: no complete answer from \(container) within 2 s",
                "instance metadata (IMDSv2): no complete answer from \(standIn.url)/latest/api/token within 2 s",
                "no complete answer from \(standIn.url) within 5 s",
            ]
        default:
            expected = ["gave credentials that expired at", "gave credentials that expired at", "gave credentials that expired at"]
        }
        for (text, part) in zip(texts, expected) {
            #expect(text.contains(part), "\(mode): \(text)")
        }
    }

    @Test func nothingConfiguredSaysWhatWasTried() async throws {
        let home = try AWSHome()
        #expect(
            await Self.failure(Self.chain(home.environment()))
                == "no AWS credentials found: no AWS_ACCESS_KEY_ID, no credentials in profile \"default\", no AWS_WEB_IDENTITY_TOKEN_FILE, no container credentials, instance metadata off (AWS_EC2_METADATA_DISABLED)"
        )
        #expect(
            await Self.failure(Self.chain(home.environment(["AWS_PROFILE": "missing"])))
                == "AWS profile: profile \"missing\" is in neither \(home.root)/.aws/credentials nor \(home.root)/.aws/config")
    }
}

/// A settable clock for `RefreshingCredentials`.
final class LockedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    func get() -> Date { lock.withLock { date } }
    func advance(_ seconds: TimeInterval) { lock.withLock { date = date.addingTimeInterval(seconds) } }
}

/// A thread-safe count.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
