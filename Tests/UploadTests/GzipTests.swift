import Foundation
import TelemetryStore
import TelemetryTestSupport
import Testing

@Suite struct GzipTests {
    static let ndjson = Data((0..<2_000).map { #"{"event":"cf.command","seq":\#($0),"ok":true}"# + "\n" }.joined().utf8)

    /// Incompressible-ish bytes from a fixed-seed generator, so that output spans several zlib chunks.
    static func noise(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test(arguments: [Data(), Data("x".utf8), ndjson, Data(noise(count: 300_000))])
    func roundTrip(_ input: Data) throws {
        #expect(try Gzip.decompress(Gzip.compress(input)) == input)
    }

    @Test func byteArrayAndDataGiveTheSameBytes() throws {
        #expect(try Gzip.compress([UInt8](Self.ndjson)) == Gzip.compress(Self.ndjson))
    }

    @Test func compressionIsDeterministic() throws {
        let first = try Gzip.compress(Self.ndjson)
        let second = try Gzip.compress(Data(Self.ndjson))
        #expect(first == second)
        #expect(first.count < Self.ndjson.count / 4)
        let header = [UInt8](first.prefix(10))
        #expect(header[0..<4] == [0x1f, 0x8b, 0x08, 0x00])  // magic, deflate, no flags (no name, no comment)
        #expect(header[4..<8] == [0, 0, 0, 0])  // mtime 0
        #expect(header[9] == 3)  // OS: Unix, on every platform
    }

    @Test func systemGzipReadsOurOutput() throws {
        let compressed = try Gzip.compress(Self.ndjson)
        #expect(try Self.runGzip(["-dc"], input: compressed) == Self.ndjson)
    }

    @Test func systemGzipReadsOurConcatenatedMembers() throws {
        let joined = try Gzip.compress(Data("first\n".utf8)) + Gzip.compress(Data("second\n".utf8))
        #expect(try Self.runGzip(["-dc"], input: joined) == Data("first\nsecond\n".utf8))
    }

    @Test func weReadSystemGzipOutput() throws {
        for level in ["-1", "-9"] {
            let compressed = try Self.runGzip(["-c", level], input: Self.ndjson)
            #expect(try Gzip.decompress(compressed) == Self.ndjson)
        }
    }

    @Test func weReadConcatenatedMembers() throws {
        let a = try Self.runGzip(["-c"], input: Data("alpha\n".utf8))
        let b = try Gzip.compress(Data(Self.noise(count: 100_000)))
        let c = try Self.runGzip(["-c"], input: Data())
        #expect(try Gzip.decompress(a + b + c) == Data("alpha\n".utf8) + Data(Self.noise(count: 100_000)))
    }

    @Test func notGzipThrowsCorrupt() {
        #expect(throws: GzipError.self) { try Gzip.decompress(Data("this is not gzip at all".utf8)) }
        #expect(throws: GzipError.self) { try Gzip.decompress(Data(Self.noise(count: 1_000))) }
    }

    @Test func damagedBodyThrowsCorrupt() throws {
        var bytes = [UInt8](try Gzip.compress(Self.ndjson))
        bytes[bytes.count / 2] ^= 0xff
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(Data(bytes)) }
        if case .corrupt = error {} else { Issue.record("expected .corrupt, got \(String(describing: error))") }
    }

    @Test func badCRCThrowsCorrupt() throws {
        var bytes = [UInt8](try Gzip.compress(Self.ndjson))
        bytes[bytes.count - 6] ^= 0x01  // inside the CRC-32 trailer
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(Data(bytes)) }
        if case .corrupt = error {} else { Issue.record("expected .corrupt, got \(String(describing: error))") }
    }

    @Test func truncatedOrEmptyThrowsTruncated() throws {
        let compressed = try Gzip.compress(Self.ndjson)
        #expect(throws: GzipError.truncated) { try Gzip.decompress(compressed.prefix(compressed.count - 4)) }
        #expect(throws: GzipError.truncated) { try Gzip.decompress(compressed.prefix(5)) }
        #expect(throws: GzipError.truncated) { try Gzip.decompress(Data()) }
    }

    @Test func trailingGarbageThrows() throws {
        let compressed = try Gzip.compress(Self.ndjson)
        #expect(throws: GzipError.self) { try Gzip.decompress(compressed + Data("junk".utf8)) }
    }

    /// Runs the system `gzip` with `arguments`, `input` as a file argument's content via stdin.
    static func runGzip(_ arguments: [String], input: Data) throws -> Data {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gzip-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("in")
        try input.write(to: inputFile)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip"] + arguments
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GzipProcessFailure(status: process.terminationStatus)
        }
        return output
    }

    struct GzipProcessFailure: Error { var status: Int32 }
}
