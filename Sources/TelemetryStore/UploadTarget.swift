import Foundation
import TelemetryCore

/// Where and as whom to upload: the validated endpoint, the credentials and how requests get
/// there (proxy, trusted CAs), resolved from `TelemetrySettings` and the environment. Every
/// problem is a one-line error naming the setting.
package struct UploadTarget: Sendable {
    package let endpoint: S3Endpoint
    /// Fixed keys (the uploader's, always), or the team's credential chain's source.
    package let credentials: any AWSCredentialsProvider
    /// Where the credentials came from, for `doctor --role` (`keys from AWS_ACCESS_KEY_ID`…).
    package let credentialSource: String
    package let connection: StoreConnection
    /// Where the objects go under the bucket (the normalised prefix and the key layout).
    package let layout: PartitionLayout

    /// `role`: whose key this command needs, named when there is none (`report` reads with the
    /// reader's key, `retention` and `compact` need the operator's, `flush` the uploader's).
    /// `environment`: where the proxy and CA variables are read (the uploader's are the client
    /// side's, which never reads `AWS_CA_BUNDLE`).
    package init(settings: TelemetrySettings, role: AccessPolicy.Role = .uploader, environment: [String: String]) throws {
        guard let accessKeyID = settings.accessKeyID, !accessKeyID.isEmpty,
            let secret = settings.secretAccessKey, !secret.isEmpty
        else {
            let whose: String
            switch role {
            case .uploader: whose = "no upload credentials"
            case .reader: whose = "no reader credentials (this command lists and reads the bucket)"
            case .operator: whose = "no operator credentials (this command manages the bucket)"
            }
            throw TelemetryError.configuration(
                whose
                    + (role == .uploader
                        ? ": set CFDEV_TELEMETRY_ACCESS_KEY_ID and CFDEV_TELEMETRY_SECRET_ACCESS_KEY (or access_key_id and secret_access_key in config.json; the general AWS_* variables are never used for uploads)"
                        : ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or CFDEV_TELEMETRY_ACCESS_KEY_ID and CFDEV_TELEMETRY_SECRET_ACCESS_KEY) to the \(role.rawValue)'s key; `cfdev-telemetry policy --role \(role.rawValue)` shows what it needs")
            )
        }
        let keys = AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: settings.sessionToken)
        try self.init(settings: settings, role: role, environment: environment, credentials: keys, source: "keys from the settings")
    }

    /// The team's commands: credentials from `AWSCredentialChain` (`source` names it).
    package init(
        settings: TelemetrySettings, role: AccessPolicy.Role, environment: [String: String], credentials: any AWSCredentialsProvider,
        source: String
    ) throws {
        do {
            endpoint = try S3Endpoint(
                url: settings.endpoint, bucket: settings.bucket, region: settings.region,
                pathStyle: settings.pathStyle, allowInsecureHTTP: settings.allowHTTP)
        } catch {
            throw TelemetryError.configuration("\(error)")
        }
        self.credentials = credentials
        credentialSource = source
        layout = PartitionLayout(prefix: settings.prefix)
        connection = try StoreConnection(
            endpoint: endpoint, caBundle: settings.caBundle, environment: environment,
            audience: role == .uploader ? .client : .team)
    }

    /// A client for this target; `requestTimeout` bounds each request.
    package func client(requestTimeout: TimeInterval = 30, clock: @escaping @Sendable () -> Date = Date.init) -> S3Client {
        S3Client(endpoint: endpoint, credentials: credentials, connection: connection, requestTimeout: requestTimeout, clock: clock)
    }
}
