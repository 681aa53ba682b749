import Foundation
import TelemetryCore

/// The credentials of the team's commands (`report`, `compact`, `retention`, `doctor --role`),
/// found in the order of the AWS CLI and SDKs:
/// 1. keys set in the environment or the settings (`AWS_ACCESS_KEY_ID`…, `CFDEV_TELEMETRY_*`),
///    unless `--profile` names a profile;
/// 2. the profile (`--profile`, else `AWS_PROFILE`, else `default`) of `~/.aws/config` and
///    `~/.aws/credentials`: `role_arn` with `web_identity_token_file`, `source_profile` or
///    `credential_source` (STS), else its keys, else its `credential_process`;
/// 3. web identity from the environment (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`);
/// 4. container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`);
/// 5. EC2 instance metadata (IMDSv2), unless `AWS_EC2_METADATA_DISABLED=true`.
///
/// The first source configured is used (a profile named but absent is an error); its
/// credentials are fetched once here, so a broken source fails before any work, and temporary
/// ones are fetched again before they expire (`RefreshingCredentials`). The client side's
/// uploads never come here.
package struct AWSCredentialChain: Sendable {
    /// The source found: credentials for the S3 client, a description for `doctor`, and the
    /// profile's region (used when no region is set otherwise).
    package struct Resolved: Sendable {
        package let provider: any AWSCredentialsProvider
        package let source: String
        package let region: String?
    }

    /// Keys from the environment or the settings, and where they came from (`AWS_ACCESS_KEY_ID`).
    package var keys: (credentials: AWSCredentials, origin: String)?
    /// `--profile`.
    package var profileFlag: String?
    /// A region set by a flag, variable or settings file (nil: the profile's, else us-east-1).
    package var region: String?
    package var environment: [String: String]
    /// The settings' `ca_bundle`, trusted for STS too.
    package var caBundle: String?
    /// Plain HTTP to STS at a non-loopback host (`allow_http`).
    package var allowHTTP = false
    package var clock: @Sendable () -> Date = Date.init
    /// Time limits: STS, and the container and metadata endpoints (short, as the SDKs').
    package var stsTimeout: TimeInterval = 15
    package var localEndpointTimeout: TimeInterval = 2
    /// The longest a `credential_process` may run.
    package var processTimeout: TimeInterval = 60

    package init(environment: [String: String]) {
        self.environment = environment
    }

    /// The source named when no source is configured.
    package static let nothingFound = "no AWS credentials found"

    /// The most a web identity token file may hold.
    static let maxTokenBytes = 64 << 10

    /// The first configured source, its credentials fetched once.
    package func resolve() async throws -> Resolved {
        if profileFlag == nil, let keys {
            return Resolved(provider: keys.credentials, source: "keys from \(keys.origin)", region: nil)
        }
        let explicitProfile = profileFlag ?? environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let config = try AWSSharedConfig(environment: environment)
        let profile = config.profile(explicitProfile ?? "default")
        if explicitProfile != nil && profile == nil {
            throw CredentialSourceError("AWS profile", config.missingProfile(explicitProfile!))
        }
        // The profile's region counts whatever the source of the credentials, as for the SDKs.
        let profileRegion = profile?["region"]
        let stsRegion = self.region ?? profileRegion ?? "us-east-1"
        if let profile, let found = try profileSource(profile, config: config, stsRegion: stsRegion, visited: []) {
            return try await first(found, region: profileRegion)
        }
        if let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], !file.isEmpty {
            guard let role = environment["AWS_ROLE_ARN"], !role.isEmpty else {
                throw CredentialSourceError("web identity", "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
            }
            let found = try webIdentity(
                role: role, tokenFile: file, fileOrigin: "AWS_WEB_IDENTITY_TOKEN_FILE", sessionName: environment["AWS_ROLE_SESSION_NAME"],
                durationSeconds: nil, stsRegion: stsRegion)
            return try await first(found, region: profileRegion)
        }
        if let url = try ContainerCredentials.endpoint(environment: environment) {
            let container = ContainerCredentials(url: url, environment: environment, http: localHTTP)
            return try await first(
                Source(name: "\(ContainerCredentials.source) (\(CredentialHTTP.describe(url)))", label: ContainerCredentials.source, fetch: container.credentials), region: profileRegion)
        }
        var tried = "no AWS_ACCESS_KEY_ID, no credentials in profile \"\(DisplayText.sanitized(profile?.name ?? "default", limit: 60))\", no AWS_WEB_IDENTITY_TOKEN_FILE, no container credentials"
        if !InstanceMetadataCredentials.isDisabled(environment: environment) {
            let metadata = InstanceMetadataCredentials(endpoint: try InstanceMetadataCredentials.endpoint(environment: environment), http: localHTTP)
            do {
                return try await first(
                    Source(
                        name: "\(InstanceMetadataCredentials.source), \(CredentialHTTP.describe(metadata.endpoint))", label: InstanceMetadataCredentials.source,
                        fetch: metadata.credentials),
                    region: profileRegion)
            } catch let error as CredentialSourceError {
                tried += ", and \(error)"
            }
        } else {
            tried += ", instance metadata off (AWS_EC2_METADATA_DISABLED)"
        }
        throw CredentialSourceError(Self.nothingFound, tried)
    }

    // MARK: Sources

    /// A configured source: its name (for `doctor`) and how to fetch its credentials.
    struct Source: Sendable {
        let name: String
        /// The source as its errors name it (`credential_process for profile "ci"`).
        let label: String
        let fetch: @Sendable () async throws -> AWSCredentials
        /// Fixed keys: used as they are, never fetched again.
        var fixed: AWSCredentials?

        init(name: String, label: String? = nil, fixed: AWSCredentials? = nil, fetch: @escaping @Sendable () async throws -> AWSCredentials) {
            self.name = name
            self.label = label ?? name
            self.fixed = fixed
            self.fetch = fetch
        }
    }

    func first(_ source: Source, region: String?) async throws -> Resolved {
        if let fixed = source.fixed { return Resolved(provider: fixed, source: source.name, region: region) }
        let provider = RefreshingCredentials(source: source.label, clock: clock, fetch: source.fetch)
        _ = try await provider.credentials()
        return Resolved(provider: provider, source: source.name, region: region)
    }

    // MARK: Endpoints

    /// STS at `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the regional endpoint.
    func stsEndpoint(region: String) -> (url: String, origin: String) {
        for variable in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
        }
        return (STSClient.regionalEndpoint(region: region), "the regional endpoint")
    }

    func stsClient(region: String, source: String) throws -> STSClient {
        let (text, origin) = stsEndpoint(region: region)
        guard let url = URL(string: text), url.scheme != nil, url.host != nil else {
            throw CredentialSourceError(source, "\(origin) is not a URL")
        }
        do {
            try S3Endpoint.validate(url: url, allowInsecureHTTP: allowHTTP)
            try S3Endpoint.validate(region: region)
        } catch {
            throw CredentialSourceError(source, "STS endpoint (\(origin)): \(error)")
        }
        let connection = try StoreConnection(url: url, caBundle: caBundle, environment: environment, audience: .team)
        return STSClient(
            endpoint: url, region: region, http: CredentialHTTP(httpClient: connection.httpClient(), timeout: stsTimeout), clock: clock)
    }

    var localHTTP: CredentialHTTP { CredentialHTTP(httpClient: S3Client.defaultHTTPClient, timeout: localEndpointTimeout) }

    func defaultSessionName() -> String { "cfdev-telemetry-\(Int(clock().timeIntervalSince1970))" }

    /// `duration_seconds`: 900…43200.
    func durationSeconds(_ profile: AWSProfile) throws -> Int? {
        guard let text = profile["duration_seconds"] else { return nil }
        guard let value = Int(text), (900...43_200).contains(value) else {
            throw CredentialSourceError(profile.label, "duration_seconds must be a whole number from 900 to 43200")
        }
        return value
    }
}
