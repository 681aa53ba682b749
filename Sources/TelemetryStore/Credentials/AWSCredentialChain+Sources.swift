import Foundation
import TelemetryCore

/// The sources a profile configures (an assumed role, its keys, its `credential_process`), a
/// `credential_source`, and web identity.
extension AWSCredentialChain {
    /// The source a profile configures, nil when it configures none.
    func profileSource(_ profile: AWSProfile, config: AWSSharedConfig, stsRegion: String, visited: [String]) throws -> Source? {
        let label = profile.label
        if let role = profile["role_arn"] {
            let duration = try durationSeconds(profile)
            if let file = profile["web_identity_token_file"] {
                return try webIdentity(
                    role: role, tokenFile: file, fileOrigin: "web_identity_token_file of \(label)", sessionName: profile["role_session_name"],
                    durationSeconds: duration, stsRegion: stsRegion)
            }
            let base: Source
            if let sourceName = profile["source_profile"] {
                guard !visited.contains(sourceName) else {
                    throw CredentialSourceError(label, "source_profile chain loops back to profile \"\(DisplayText.sanitized(sourceName, limit: 60))\"")
                }
                guard visited.count < 5 else { throw CredentialSourceError(label, "source_profile chain is longer than 5 profiles") }
                guard let sourceProfile = config.profile(sourceName) else {
                    throw CredentialSourceError(label, "source_profile: " + config.missingProfile(sourceName))
                }
                let found: Source?
                if sourceName == profile.name {
                    // A profile that is its own source uses its own keys.
                    found = staticKeys(sourceProfile, config: config)
                } else {
                    found = try profileSource(sourceProfile, config: config, stsRegion: stsRegion, visited: visited + [profile.name])
                }
                guard let found else {
                    throw CredentialSourceError(label, "source_profile \"\(DisplayText.sanitized(sourceName, limit: 60))\" has no credentials")
                }
                base = found
            } else if let credentialSource = profile["credential_source"] {
                base = try namedCredentialSource(credentialSource, label: label)
            } else {
                throw CredentialSourceError(label, "role_arn needs source_profile, credential_source or web_identity_token_file")
            }
            let sts = try stsClient(region: stsRegion, source: label)
            let sessionName = profile["role_session_name"] ?? defaultSessionName()
            let externalID = profile["external_id"]
            let name = "\(label): role \(DisplayText.sanitized(role, limit: 200)) assumed through STS \(CredentialHTTP.describe(sts.endpoint)), signed with \(base.name)"
            let errorSource = "assume role for \(label)"
            let baseProvider: any AWSCredentialsProvider =
                base.fixed ?? RefreshingCredentials(source: base.label, clock: clock, fetch: base.fetch)
            return Source(name: name, label: errorSource) {
                let signing = try await baseProvider.credentials()
                return try await sts.assumeRole(
                    roleARN: role, sessionName: sessionName, externalID: externalID, durationSeconds: duration, signedWith: signing,
                    source: errorSource)
            }
        }
        if let keys = staticKeys(profile, config: config) { return keys }
        if let command = profile["credential_process"] {
            let process = CredentialProcess(
                command: command, source: "credential_process for \(label)", timeout: processTimeout, environment: environment)
            return Source(name: "\(label): credential_process", label: process.source, fetch: process.credentials)
        }
        return nil
    }

    func staticKeys(_ profile: AWSProfile, config: AWSSharedConfig) -> Source? {
        guard let key = profile["aws_access_key_id"], let secret = profile["aws_secret_access_key"] else { return nil }
        let keys = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: profile["aws_session_token"])
        let file = profile.credentialsFileHasKeys ? config.credentialsPath : config.configPath
        return Source(name: "\(profile.label): keys in \(DisplayText.sanitized(file))", fixed: keys) { keys }
    }

    /// `credential_source`: `Environment`, `EcsContainer` or `Ec2InstanceMetadata`.
    func namedCredentialSource(_ name: String, label: String) throws -> Source {
        switch name {
        case "Environment":
            guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw CredentialSourceError(label, "credential_source Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
            }
            let keys = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
            return Source(name: "keys from AWS_ACCESS_KEY_ID", fixed: keys) { keys }
        case "EcsContainer":
            guard let url = try ContainerCredentials.endpoint(environment: environment) else {
                throw CredentialSourceError(label, "credential_source EcsContainer, but no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI")
            }
            let container = ContainerCredentials(url: url, environment: environment, http: localHTTP)
            return Source(name: "\(ContainerCredentials.source) (\(CredentialHTTP.describe(url)))", label: ContainerCredentials.source, fetch: container.credentials)
        case "Ec2InstanceMetadata":
            let metadata = InstanceMetadataCredentials(endpoint: try InstanceMetadataCredentials.endpoint(environment: environment), http: localHTTP)
            return Source(
                name: "\(InstanceMetadataCredentials.source), \(CredentialHTTP.describe(metadata.endpoint))", label: InstanceMetadataCredentials.source,
                fetch: metadata.credentials)
        default:
            throw CredentialSourceError(
                label, "credential_source \"\(DisplayText.sanitized(name, limit: 40))\" is not Environment, EcsContainer or Ec2InstanceMetadata")
        }
    }

    func webIdentity(
        role: String, tokenFile: String, fileOrigin: String, sessionName: String?, durationSeconds: Int?, stsRegion: String
    ) throws -> Source {
        let errorSource = "web identity (\(fileOrigin) \(DisplayText.sanitized(tokenFile)))"
        let sts = try stsClient(region: stsRegion, source: errorSource)
        let session = sessionName ?? defaultSessionName()
        let name =
            "web identity: role \(DisplayText.sanitized(role, limit: 200)) with the token in \(DisplayText.sanitized(tokenFile)) (\(fileOrigin)), through STS \(CredentialHTTP.describe(sts.endpoint))"
        return Source(name: name, label: errorSource) {
            // Read at every fetch: the CI runner or the cluster rotates the token.
            let data: Data?
            do {
                data = try BoundedFileRead.contents(of: tokenFile, maxBytes: Self.maxTokenBytes)
            } catch {
                throw CredentialSourceError(errorSource, "\(error)")
            }
            guard let data else { throw CredentialSourceError(errorSource, "the token file does not exist") }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw CredentialSourceError(errorSource, "the token file is empty") }
            return try await sts.assumeRoleWithWebIdentity(
                roleARN: role, sessionName: session, token: token, durationSeconds: durationSeconds, source: errorSource)
        }
    }
}
