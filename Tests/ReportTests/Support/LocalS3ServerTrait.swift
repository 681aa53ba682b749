import Foundation
import Testing

extension LocalS3Server {
    /// The server of the enclosing `.localS3Server(kind)` suite.
    @TaskLocal static var current: LocalS3Server?

    static func requireCurrent() throws -> LocalS3Server {
        try #require(current, "no S3 server in scope: add .localS3Server(kind) to the suite")
    }

    /// Run when the server is installed, and always under CI (where a missing server fails).
    static func shouldRun(_ kind: LocalS3Kind) -> Bool {
        let ci = (ProcessInfo.processInfo.environment["CI"] ?? "").lowercased()
        return kind.isInstalled || !(ci.isEmpty || ci == "0" || ci == "false")
    }
}

/// Starts one server for a whole suite and stops it afterwards; tests use their own prefixes.
struct LocalS3ServerTrait: SuiteTrait, TestScoping {
    let kind: LocalS3Kind
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await LocalS3Server.start(kind)
        defer { server.stop() }
        try await LocalS3Server.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == LocalS3ServerTrait {
    static func localS3Server(_ kind: LocalS3Kind) -> Self { LocalS3ServerTrait(kind: kind) }
}
