import Testing

extension MotoIAMServer {
    /// The server of the enclosing `.motoIAMServer` suite.
    @TaskLocal package static var current: MotoIAMServer?

    /// The current suite's server; fails the test when none is in scope.
    package static func requireCurrent() throws -> MotoIAMServer {
        guard let current else { throw ProcessGroupError(message: "no moto IAM server in scope: add .motoIAMServer to the suite") }
        return current
    }
}

/// A suite trait that starts one `MotoIAMServer` for the whole suite (its tests share it, each
/// with its own roles, users and key prefix) and stops it after the suite.
package struct MotoIAMTrait: SuiteTrait, TestScoping {
    package var isRecursive: Bool { false }

    package func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await MotoIAMServer.start()
        defer { server.stop() }
        try await MotoIAMServer.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == MotoIAMTrait {
    /// Runs the suite against one moto with IAM enforced, on loopback.
    package static var motoIAMServer: Self { MotoIAMTrait() }
}
