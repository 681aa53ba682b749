import Foundation
import TelemetryCore

/// An EC2 instance's role through IMDSv2: a session token (`PUT /latest/api/token`), the role's
/// name (`GET /latest/meta-data/iam/security-credentials/`), then its credentials. The endpoint
/// is `http://169.254.169.254` or `AWS_EC2_METADATA_SERVICE_ENDPOINT`; `AWS_EC2_METADATA_DISABLED=true`
/// turns this source off. Each exchange is short (1 s, as the SDKs' default) and bounded.
struct InstanceMetadataCredentials: Sendable {
    static let defaultEndpoint = "http://169.254.169.254"
    static let source = "instance metadata (IMDSv2)"

    let endpoint: URL
    let http: CredentialHTTP

    /// Whether the environment turns the source off.
    static func isDisabled(environment: [String: String]) -> Bool {
        (environment["AWS_EC2_METADATA_DISABLED"] ?? "").lowercased() == "true"
    }

    /// The endpoint to use; a malformed one is a one-line error.
    static func endpoint(environment: [String: String]) throws -> URL {
        let text = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEndpoint
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text), url.scheme != nil, url.host != nil else {
            throw CredentialSourceError(source, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not a URL")
        }
        return url
    }

    func credentials() async throws -> AWSCredentials {
        let source = Self.source
        let tokenAnswer = try await http.send(
            "PUT", endpoint.appendingPathComponent("latest/api/token"), headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
            source: source)
        guard tokenAnswer.status == 200 else {
            throw CredentialSourceError(source, "the token request answered HTTP \(tokenAnswer.status)")
        }
        let token = String(decoding: tokenAnswer.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.count <= 4096, !token.contains(where: { $0.isNewline }) else {
            throw CredentialSourceError(source, "the token request answered no usable token")
        }
        let headers = [("X-aws-ec2-metadata-token", token)]
        let base = endpoint.appendingPathComponent("latest/meta-data/iam/security-credentials/")
        let roleAnswer = try await http.send("GET", base, headers: headers, source: source)
        guard roleAnswer.status == 200 else {
            throw CredentialSourceError(source, "no instance role (the role listing answered HTTP \(roleAnswer.status))")
        }
        let role =
            String(decoding: roleAnswer.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard !role.isEmpty, role.count <= 128, role.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) || "+=,.@_-".contains($0) }) else {
            throw CredentialSourceError(source, "the role listing named no usable role")
        }
        let answer = try await http.send("GET", base.appendingPathComponent(role), headers: headers, source: source)
        guard answer.status == 200 else {
            throw CredentialSourceError(source, "role \(role) answered HTTP \(answer.status)")
        }
        return try CredentialJSON.parse(answer.body, source: source, requireVersion: false)
    }
}
