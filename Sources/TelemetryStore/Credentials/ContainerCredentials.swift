import Foundation
import TelemetryCore

/// A container's role (ECS, EKS Pod Identity, or any endpoint that speaks the same):
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (under `http://169.254.170.2`) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, or http to loopback or the ECS/EKS addresses),
/// with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read at every fetch) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization` header.
struct ContainerCredentials: Sendable {
    static let ecsHost = "169.254.170.2"
    static let allowedHTTPHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
    /// The most an authorization token file may hold.
    static let maxTokenBytes = 16 << 10

    let url: URL
    let environment: [String: String]
    let http: CredentialHTTP
    static let source = "container credentials"

    /// The endpoint the environment names, nil when it names none; a full URI that is not
    /// allowed is a one-line error.
    static func endpoint(environment: [String: String]) throws -> URL? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            guard let url = URL(string: "http://\(ecsHost)" + (relative.hasPrefix("/") ? "" : "/") + relative) else {
                throw CredentialSourceError(source, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a path")
            }
            return url
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty else { return nil }
        guard let url = URL(string: full), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw CredentialSourceError(source, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
        }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        guard scheme == "https" || (scheme == "http" && (S3Endpoint.isLoopback(host: bare) || allowedHTTPHosts.contains(bare))) else {
            throw CredentialSourceError(
                source, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to loopback or \(ecsHost) (got \(CredentialHTTP.describe(url)))")
        }
        return url
    }

    func credentials() async throws -> AWSCredentials {
        var headers: [(String, String)] = []
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            let data: Data?
            do {
                data = try BoundedFileRead.contents(of: file, maxBytes: Self.maxTokenBytes)
            } catch {
                throw CredentialSourceError(Self.source, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(error)")
            }
            guard let data else {
                throw CredentialSourceError(Self.source, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(DisplayText.sanitized(file)) does not exist")
            }
            headers.append(("Authorization", String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            headers.append(("Authorization", token))
        }
        if let value = headers.first?.1, value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw CredentialSourceError(Self.source, "the authorization token holds a line break")
        }
        headers.append(("Accept", "application/json"))
        let answer = try await http.send("GET", url, headers: headers, source: Self.source)
        guard answer.status == 200 else {
            throw CredentialSourceError(Self.source, "\(CredentialHTTP.describe(url)) answered HTTP \(answer.status)")
        }
        return try CredentialJSON.parse(answer.body, source: Self.source, requireVersion: false)
    }
}
