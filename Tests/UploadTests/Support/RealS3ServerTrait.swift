import Testing

extension S3TestServer {
    /// The server of the enclosing `.realS3Server(kind)` suite.
    @TaskLocal static var current: S3TestServer?

    /// The current suite's server; fails the test when none is in scope.
    static func requireCurrent() throws -> S3TestServer {
        try #require(current, "no S3 server in scope: add .realS3Server(kind) to the suite")
    }
}

/// A suite trait that starts one real S3 server of `kind` for the whole suite, exposes it as
/// `S3TestServer.current` to its tests, and stops it after the suite (the tests share it, so
/// each uses its own key prefix).
struct RealS3ServerTrait: SuiteTrait, TestScoping {
    let kind: S3ServerKind
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await S3TestServer.with(kind) { server in
            try await S3TestServer.$current.withValue(server) { try await function() }
        }
    }
}

extension Trait where Self == RealS3ServerTrait {
    /// Runs the suite against one real server of `kind`, started on loopback for it.
    static func realS3Server(_ kind: S3ServerKind) -> Self { RealS3ServerTrait(kind: kind) }
}
