import Foundation

/// Where a signed request's credentials come from: fixed keys, or a source of temporary
/// credentials (STS, a credential process, a container or instance role) fetched again before
/// they expire (`RefreshingCredentials`).
package protocol AWSCredentialsProvider: Sendable {
    /// Credentials good for the next request; a failure is one line naming the source.
    func credentials() async throws -> AWSCredentials
}

extension AWSCredentials: AWSCredentialsProvider {
    /// Fixed keys are their own source.
    package func credentials() async throws -> AWSCredentials { self }
}

/// A credential source that failed: one line naming the source and what went wrong
/// (`credential_process for profile "ci": printed more than 64 KiB`).
package struct CredentialSourceError: Error, CustomStringConvertible, Equatable {
    /// The source, as `AWSCredentialChain` names it.
    package let source: String
    package let problem: String

    package init(_ source: String, _ problem: String) {
        self.source = source
        self.problem = problem
    }

    package var description: String { "\(source): \(problem)" }
}
