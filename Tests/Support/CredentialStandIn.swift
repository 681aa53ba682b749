import Foundation
import TelemetryStore

/// `credential_stand_in.py` on a loopback port: the instance metadata, container and STS
/// endpoints answering as `mode` says (`ok`, `expired`, `huge`, `malformed`, `stall`), with
/// `keys` as the credentials it gives. `stop()` kills it.
package final class CredentialStandIn: Sendable {
    package let port: Int
    private let process: ProcessGroup
    private let directory: URL

    package static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("credential_stand_in.py").path

    /// `keys.sessionToken`: nil gives "stand-in-session"; empty gives none (long-term keys).
    package static func start(_ mode: String, keys: AWSCredentials, authorization: String? = nil) async throws -> CredentialStandIn {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stand-in-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = try ProcessGroup(
            executable: "python3", arguments: [script, mode, keys.accessKeyID, keys.secretAccessKey] + (authorization.map { [$0] } ?? []),
            environment: ["STAND_IN_SESSION_TOKEN": keys.sessionToken ?? "stand-in-session"], logFile: directory.appendingPathComponent("log"))
        let port = try await process.announcedPort("credential stand-in")
        return CredentialStandIn(port: port, process: process, directory: directory)
    }

    private init(port: Int, process: ProcessGroup, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    /// `http://127.0.0.1:PORT`.
    package var url: String { "http://127.0.0.1:\(port)" }

    /// The requests seen so far: `METHOD PATH token=… authorization=…`.
    package func requests() -> [String] {
        process.logTail(lines: .max).split(separator: "\n").filter { $0.hasPrefix("REQUEST ") }.map { String($0.dropFirst(8)) }
    }

    package func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
