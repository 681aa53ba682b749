import Foundation
import TelemetryCore
import TelemetryStore

extension Context {
    /// The store and credentials of a team command for `role`: the settings (the team's
    /// variables included, `upload`'s flags on top), then the AWS credential chain
    /// (`AWSCredentialChain`: keys, profile, web identity, container, instance metadata). A
    /// profile's region is used when no region is set otherwise. No credentials is a one-line
    /// error naming the role.
    func teamTarget(role: AccessPolicy.Role, upload: UploadOptions, team: TeamOptions) async throws -> UploadTarget {
        var resolved = try resolvedSettings(upload: upload, audience: .team)
        let settings = resolved.settings
        var chain = AWSCredentialChain(environment: environment)
        if let key = settings.accessKeyID, !key.isEmpty, let secret = settings.secretAccessKey, !secret.isEmpty {
            let origin = resolved.origins["access_key_id"].map { "\($0)" } ?? "the settings"
            chain.keys = (AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: settings.sessionToken), origin)
        }
        chain.profileFlag = team.profile
        chain.region = resolved.origins["region"] == nil ? nil : settings.region
        chain.caBundle = settings.caBundle
        chain.allowHTTP = settings.allowHTTP
        let found: AWSCredentialChain.Resolved
        do {
            found = try await chain.resolve()
        } catch let error as CredentialSourceError where error.source != AWSCredentialChain.nothingFound {
            throw CommandFailure("the \(role.rawValue)'s credentials: \(error)")
        } catch let error as CredentialSourceError {
            let whose =
                role == .reader
                ? "no reader credentials (this command lists and reads the bucket)" : "no operator credentials (this command manages the bucket)"
            throw CommandFailure(
                "\(whose): \(error); set AWS_PROFILE (or --profile) to a profile of the \(role.rawValue)'s role, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to its keys; `cfdev-telemetry policy --role \(role.rawValue)` shows what it needs"
            )
        }
        if resolved.origins["region"] == nil, let region = found.region { resolved.settings.region = region }
        return try UploadTarget(
            settings: resolved.settings, role: role, environment: environment, credentials: found.provider, source: found.source)
    }
}
