import Testing

extension S3TestServer {
    /// The server of the enclosing `.realS3Server(kind)` suite.
    @TaskLocal package static var current: S3TestServer?

    /// The current suite's server; fails the test when none is in scope.
    package static func requireCurrent() throws -> S3TestServer {
        guard let current else {
            throw ProcessGroupError(message: "no S3 server in scope: add .realS3Server(kind) to the suite")
        }
        return current
    }
}

/// A suite trait that starts one real S3 server of `kind` for the whole suite, exposes it as
/// `S3TestServer.current` to its tests, and stops it after the suite (the tests share it, so
/// each uses its own key prefix).
package struct RealS3ServerTrait: SuiteTrait, TestScoping {
    package let kind: S3ServerKind
    /// See `S3TestServer.start`.
    package let motoChecksSignatures: Bool
    package var isRecursive: Bool { false }

    package func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await S3TestServer.with(kind, motoChecksSignatures: motoChecksSignatures) { server in
            try await S3TestServer.$current.withValue(server) { try await function() }
        }
    }
}

extension Trait where Self == RealS3ServerTrait {
    /// Runs the suite against one real server of `kind`, started on loopback for it
    /// (`motoChecksSignatures`: see `S3TestServer.start`).
    package static func realS3Server(_ kind: S3ServerKind, motoChecksSignatures: Bool = true) -> Self {
        RealS3ServerTrait(kind: kind, motoChecksSignatures: motoChecksSignatures)
    }
}
