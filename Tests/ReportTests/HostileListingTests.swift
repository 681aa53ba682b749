import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryTestSupport
import TelemetryStore
import Testing

/// A store whose listing misbehaves in ways no real server will (Fixtures/report/hostile_listing_server.py
/// on loopback): a listing that never ends stops the report with one line; an unsorted listing
/// with copies gives exactly what a sorted one gives.
@Suite("Hostile listings", .serialized)
struct HostileListingTests {
    /// The hostile server in `mode`, serving files under `root`, for the body's duration.
    static func withServer<T>(_ mode: String, root: String, _ body: (Int) async throws -> T) async throws -> T {
        let portFile = root + "/.port"
        let server = try BackgroundChild(
            "/usr/bin/env", ["python3", ProductLocator.fixtures + "/report/hostile_listing_server.py", portFile, mode, root + "/objects"],
            environment: ProcessInfo.processInfo.environment)
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: portFile)
        }
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        return try await body(try #require(port, "the hostile server did not start"))
    }

    static func environment(port: Int) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": "AKIAHOSTILE", "AWS_SECRET_ACCESS_KEY": "hostile", "CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:\(port)",
            "CFDEV_TELEMETRY_BUCKET": "hostile-bucket", "CFDEV_TELEMETRY_PREFIX": "", "AWS_REGION": "us-east-1",
        ]
    }

    /// Objects of 2026-08-01 and 02 under ROOT/objects; two of them hold a copy of one event
    /// with different labels, so which copy counts shows whether the listing order mattered.
    static func writeObjects(root: String) throws -> [(day: CivilDate, key: String, body: Data)] {
        var objects: [(CivilDate, String, Data)] = []
        let shared = FixtureEvent(event: .stop, day: "2026-08-01", machine: 0)
        for day in ["2026-08-01", "2026-08-02"] {
            for part in 0..<4 {
                var events = (0..<6).map { FixtureEvent(event: part % 2 == 0 ? .startBegin : .stop, day: day, machine: $0 + part) }
                if day == "2026-08-01" && part == 1 { events.append(shared) }
                if day == "2026-08-01" && part == 2 {
                    var copy = shared
                    copy.os = "darwin 14.5"
                    events.append(copy)
                }
                let key = EventFixtures.key(prefix: "", day: day, name: "part-\(part)")
                let body = try EventFixtures.object(events.map(\.line))
                let path = root + "/objects/" + key
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try body.write(to: URL(fileURLWithPath: path))
                objects.append((CivilDate(day)!, key, body))
            }
        }
        return objects
    }

    static func scratch() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-listing-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root + "/objects", withIntermediateDirectories: true)
        return root
    }

    @Test(arguments: [("repeat-token", "repeated a continuation token"), ("empty-pages", "empty pages in a row")])
    func aListingThatNeverEndsIsAOneLineError(mode: String, needle: String) async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try Self.writeObjects(root: root)
        let sandbox = try Sandbox()
        let result = try await Self.withServer(mode, root: root) { port in
            try sandbox.cli(["report", "--from", "2026-08-01", "--to", "2026-08-02", "--no-cache"], env: Self.environment(port: port))
        }
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(needle), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func anUnsortedListingWithCopiesCountsWhatASortedOneCounts() async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let objects = try Self.writeObjects(root: root)
        let range = try ReportRange(from: "2026-08-01", to: "2026-08-02")
        // What a store listing each key once, in order, gives.
        var sorted = UsageAggregator(granularity: .day)
        for object in objects.sorted(by: { $0.key < $1.key }) {
            sorted.merge(ObjectPartial.read(object.body, partition: object.day, limits: .standard), partition: object.day)
        }
        let expected = sorted.report(range: range, k: 2)
        #expect(expected.input.duplicates == 1)
        #expect(expected.rows.contains { $0.os == "linux 6.1" && $0.dimensions == [.os] && $0.counts?.events == 49 })
        try await Self.withServer("scrambled", root: root) { port in
            let client = S3Client(
                endpoint: try S3Endpoint(url: "http://127.0.0.1:\(port)", bucket: "hostile-bucket", region: "us-east-1"),
                credentials: AWSCredentials(accessKeyID: "AKIAHOSTILE", secretAccessKey: "hostile"))
            var aggregator = UsageAggregator(granularity: .day)
            try await BucketReader(client: client, layout: PartitionLayout(prefix: "")).read(range: range, into: &aggregator)
            #expect(aggregator.report(range: range, k: 2) == expected)
            let result = try Sandbox().cli(
                ["report", "--from", "2026-08-01", "--to", "2026-08-02", "--k", "2", "--format", "json"], env: Self.environment(port: port))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == ReportFormat.json.render(expected))
        }
    }
}

/// A store that accepts connections and never answers: the report ends with one line after two
/// request deadlines (60 s each) instead of retrying for minutes in silence.
@Suite("A stalled store")
struct StalledStoreTests {
    @Test("report against a store that never answers ends with one line, exit 1")
    func reportEnds() async throws {
        let folder = TemporaryFolder("stalled-store")
        try FileManager.default.createDirectory(atPath: folder.path + "/objects", withIntermediateDirectories: true)
        try await HostileListingTests.withServer("stall", root: folder.path) { port in
            let sandbox = try Sandbox()
            let environment = sandbox.environment(HostileListingTests.environment(port: port))
            // (Before each request had a bounded number of tries, this ran for more than 5 minutes.)
            let result = try await offPool {
                try ChildRunner.run(
                    ProductLocator.cli, ["report", "--from", "2026-08-01", "--to", "2026-08-02", "--no-cache"], environment: environment,
                    timeout: 280)
            }
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("no complete answer before the request timeout"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
