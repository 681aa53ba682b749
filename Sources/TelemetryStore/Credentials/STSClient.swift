import AsyncHTTPClient
import Foundation
import TelemetryCore

/// STS's `AssumeRole` (signed with this project's SigV4, service `sts`) and
/// `AssumeRoleWithWebIdentity` (unsigned: the token is the proof), as form POSTs to one STS
/// endpoint. Answers are bounded (`CredentialHTTP`) and read with the S3 XML parser; every
/// failure is one line naming the source and STS's error code.
struct STSClient: Sendable {
    /// `https://sts.<region>.amazonaws.com`, or `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`.
    let endpoint: URL
    let region: String
    let http: CredentialHTTP
    let clock: @Sendable () -> Date

    /// The regional endpoint, as the SDKs use by default.
    static func regionalEndpoint(region: String) -> String { "https://sts.\(region).amazonaws.com" }

    func assumeRole(
        roleARN: String, sessionName: String, externalID: String?, durationSeconds: Int?, signedWith credentials: AWSCredentials,
        source: String
    ) async throws -> AWSCredentials {
        var parameters = [("Action", "AssumeRole"), ("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let externalID { parameters.append(("ExternalId", externalID)) }
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        return try await call(parameters, signedWith: credentials, source: source)
    }

    func assumeRoleWithWebIdentity(
        roleARN: String, sessionName: String, token: String, durationSeconds: Int?, source: String
    ) async throws -> AWSCredentials {
        var parameters = [
            ("Action", "AssumeRoleWithWebIdentity"), ("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        return try await call(parameters, signedWith: nil, source: source)
    }

    private func call(_ parameters: [(String, String)], signedWith credentials: AWSCredentials?, source: String) async throws -> AWSCredentials {
        let action = parameters[0].1
        let form = (parameters + [("Version", "2011-06-15")])
            .map { "\(S3PathEncoding.encodeQueryComponent($0.0))=\(S3PathEncoding.encodeQueryComponent($0.1))" }
            .joined(separator: "&")
        let body = Data(form.utf8)
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        var headers = [("Content-Type", contentType)]
        let host = Self.hostHeader(endpoint)
        headers.append(("Host", host))
        let path = endpoint.path.isEmpty ? "/" : endpoint.path
        if let credentials {
            let signer = SigV4Signer(credentials: credentials, region: region, service: "sts")
            let signable = SignableRequest(
                method: "POST", host: host, path: path, query: [], headers: [("content-type", contentType)],
                payloadHash: S3Client.payloadHash(body))
            headers += signer.signedHeaders(for: signable, date: clock())
        }
        let answer = try await http.send("POST", endpoint, headers: headers, body: body, source: source)
        return try Self.credentials(from: answer.body, status: answer.status, action: action, source: source)
    }

    /// The `Host` header: the host, and the port when not the scheme's default.
    static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        guard let port = url.port else { return host }
        let scheme = url.scheme?.lowercased()
        if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) { return host }
        return "\(host):\(port)"
    }

    /// The `Credentials` of an STS answer, or the one-line error its status and body tell.
    static func credentials(from body: Data, status: Int, action: String, source: String) throws -> AWSCredentials {
        let document = S3XMLElement.parse(body)
        guard (200..<300).contains(status) else {
            let error = document.flatMap { descendant($0, "Error") }
            let code = error?.text(of: "Code").map { DisplayText.sanitized($0, limit: 80) } ?? "HTTP \(status)"
            let message = error?.text(of: "Message").map { ": " + DisplayText.sanitized($0, limit: 300) } ?? ""
            throw CredentialSourceError(source, "STS \(action) refused (\(code)\(message))")
        }
        guard let document, let credentials = descendant(document, "Credentials"),
            let key = credentials.text(of: "AccessKeyId"), !key.isEmpty,
            let secret = credentials.text(of: "SecretAccessKey"), !secret.isEmpty
        else {
            throw CredentialSourceError(source, "STS \(action) answered \(status) without credentials (not an \(action)Response document)")
        }
        let token = credentials.text(of: "SessionToken")
        guard let expirationText = credentials.text(of: "Expiration"), let expiration = CredentialExpiration.parse(expirationText) else {
            throw CredentialSourceError(source, "STS \(action) answered credentials without a readable Expiration")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: token?.isEmpty == false ? token : nil, expiration: expiration)
    }

    static func descendant(_ element: S3XMLElement, _ name: String) -> S3XMLElement? {
        if element.name == name { return element }
        for child in element.children {
            if let found = descendant(child, name) { return found }
        }
        return nil
    }
}
