import Foundation

/// Runs `Support/s3read.py` (boto3) against a test server: an independent view of what landed.
package enum S3Read {
    /// One object as boto3 read it.
    package struct Object: Decodable, Sendable {
        package var key: String
        package var size: Int
        package var etag: String
        package var md5: String?
        package var base64: String?
        /// NDJSON lines of the gunzipped body, when it was gzip.
        package var lines: [String]?

        package var bytes: Data? { base64.flatMap { Data(base64Encoded: $0) } }
    }

    private struct Listing: Decodable { var objects: [Object] }

    package static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("s3read.py")

    /// Every object under `prefix` (all pages), without bodies.
    package static func list(_ server: S3TestServer, prefix: String = "") throws -> [Object] {
        try JSONDecoder().decode(Listing.self, from: run(server, ["list", "--prefix", prefix])).objects
    }

    /// One object with its bytes.
    package static func get(_ server: S3TestServer, key: String) throws -> Object {
        try JSONDecoder().decode(Object.self, from: run(server, ["get", key]))
    }

    /// Every object under `prefix` with its bytes and lines.
    package static func dump(_ server: S3TestServer, prefix: String = "") throws -> [Object] {
        try JSONDecoder().decode(Listing.self, from: run(server, ["dump", "--prefix", prefix])).objects
    }

    private static func run(_ server: S3TestServer, _ command: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", script.path, "--endpoint", server.url.absoluteString,
                "--access-key", server.credentials.accessKeyID, "--secret-key", server.credentials.secretAccessKey,
                "--region", server.region, "--bucket", server.bucket,
            ] + command
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ProcessGroupError(
                message: "s3read.py \(command.joined(separator: " ")) exited \(process.terminationStatus): "
                    + errorText.split(separator: "\n").suffix(3).joined(separator: " | "))
        }
        return data
    }
}
