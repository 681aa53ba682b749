import Foundation
import TelemetryCore

/// The JSON credential document of `credential_process` (with `"Version": 1`), the container
/// endpoint and instance metadata (`AccessKeyId`, `SecretAccessKey`, `Token` or
/// `SessionToken`, `Expiration`); anything else is one line naming the source.
enum CredentialJSON {
    static func parse(_ data: Data, source: String, requireVersion: Bool) throws -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CredentialSourceError(source, "did not give a JSON object (\(data.count) bytes)")
        }
        if requireVersion {
            guard let version = object["Version"] as? Int, version == 1 else {
                throw CredentialSourceError(source, "gave a document without \"Version\": 1")
            }
        }
        guard let key = object["AccessKeyId"] as? String, !key.isEmpty, let secret = object["SecretAccessKey"] as? String, !secret.isEmpty
        else {
            throw CredentialSourceError(source, "gave no AccessKeyId and SecretAccessKey")
        }
        let token = (object["SessionToken"] as? String) ?? (object["Token"] as? String)
        var expiration: Date?
        if let text = object["Expiration"] as? String {
            guard let date = CredentialExpiration.parse(text) else {
                throw CredentialSourceError(source, "gave an Expiration that is not an ISO 8601 time (\"\(DisplayText.sanitized(text, limit: 40))\")")
            }
            expiration = date
        } else if object["Expiration"] != nil {
            throw CredentialSourceError(source, "gave an Expiration that is not an ISO 8601 time")
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token?.isEmpty == false ? token : nil, expiration: expiration)
    }
}
