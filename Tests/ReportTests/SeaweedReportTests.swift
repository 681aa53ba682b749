import Foundation
import TelemetryCore
@testable import TelemetryReport
import TelemetryTestSupport
import TelemetryStore
import Testing

/// The report against a real SeaweedFS: listing by day, hostile objects, the incremental cache.
@Suite("Report against SeaweedFS", .serialized, .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct SeaweedReportTests {
    static func cli(_ sandbox: Sandbox, _ arguments: [String], prefix: String) throws -> ProcessResult {
        try sandbox.cli(arguments, env: try S3TestServer.requireCurrent().environment(prefix: prefix))
    }

    @Test func rangesStartingAndEndingOnDataDays() async throws {
        try await ListingChecks.checkDayBoundaries(prefix: "days/")
    }

    @Test func rangeSelectsPartitionsAndDuplicatesCountOnce() async throws {
        try await ReportServerTests.checkRangeAndDuplicates(prefix: "dated/")
    }

    /// `head -c SIZE /dev/zero | gzip -c`: a bomb made without holding it.
    static func zeroBomb(bytes: Int) throws -> Data {
        let result = try ChildRunner.run("/bin/sh", ["-c", "head -c \(bytes) /dev/zero | gzip -1 -c | base64 -w0"], environment: ["PATH": "/usr/bin:/bin"], timeout: 120)
        return try #require(Data(base64Encoded: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func hostileObjectsAreRejectedByReasonAndHonestOnesCounted() async throws {
        let prefix = "hostile/"
        let client = try S3TestServer.requireCurrent().client()
        let day = "2026-06-01"
        let honest = (0..<6).map { FixtureEvent(event: .startBegin, day: day, machine: $0) }
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "1-honest"), body: try EventFixtures.object(honest.map(\.line)))
        // 1 GiB of zeros in about 1 MB.
        let bomb = try Self.zeroBomb(bytes: 1 << 30)
        #expect(bomb.count < 8 << 20)
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "2-bomb"), body: bomb)
        // Junk after a member: the member's 6 events count.
        let more = (0..<6).map { FixtureEvent(event: .stop, day: day, machine: $0) }
        try await client.putObject(
            key: EventFixtures.key(prefix: prefix, day: day, name: "3-junk"), body: try EventFixtures.object(more.map(\.line)) + Data("PK\u{3}\u{4} junk".utf8))
        // A 1 MB line, lines of the wrong shape, an event from another month, an unknown event.
        let valid = FixtureEvent(event: .stop, day: day, machine: 9).line
        let lines = [
            String(repeating: "x", count: 1 << 20), "{\"schema\":\"one\"}", "{\"schema\":1}",
            valid.replacingOccurrences(of: "\(day)T", with: "2026-04-01T"),
            valid.replacingOccurrences(of: "\"event\":\"stop\"", with: "\"event\":\"free_bitcoin\""),
        ]
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "4-lines"), body: try EventFixtures.object(lines))
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "5-not-gzip"), body: Data("hello".utf8))

        let sandbox = try Sandbox()
        let env = try S3TestServer.requireCurrent().environment(prefix: prefix)
        let result = try ChildRunner.run(
            "/usr/bin/time", ["-f", "maxrss_kb=%M", ProductLocator.cli, "report", "--from", day, "--to", day, "--format", "json", "--no-cache"],
            environment: sandbox.environment(env), timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rows = object["rows"] as? [[String: Any]] ?? []
        #expect(ReportChecks.row(rows)?["events"] as? Int == 12)
        #expect(ReportChecks.row(rows, event: "stop")?["events"] as? Int == 6)
        let input = try #require(object["input"] as? [String: Any])
        #expect(input["objects"] as? Int == 3)
        #expect(input["objects_with_trailing_junk"] as? Int == 1)
        #expect(input["rejected_objects"] as? [String: Int] == ["not_gzip": 1, "damaged": 0, "too_large": 1])
        let rejected = input["rejected_lines"] as? [String: Int]
        #expect(rejected?["too_long"] == 1)
        #expect(rejected?["wrong_type"] == 1)
        #expect(rejected?["missing_field"] == 1)
        #expect(rejected?["outside_partition"] == 1)
        #expect(rejected?["unknown_event"] == 1)
        #expect(result.stderr.contains("1 too_large"), "\(result.stderr)")
        // Inflating the bomb is bounded in memory, not only in size: far below the 1 GiB it holds.
        let rss = result.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kb=") }.flatMap { Int($0.dropFirst(10)) }
        #expect((try #require(rss)) < 200_000, "peak memory \(rss ?? 0) kB")
    }

    /// A client's object holds at most one batch (`ValueRange.batchBytes`, 64 MiB of NDJSON): a
    /// bomb under a batch key is rejected once it inflates past that; only an object written by
    /// compaction may expand further (to `ObjectLimits.standard`'s 512 MiB).
    @Test func aClientObjectMayNotExpandPastTheLargestBatch() async throws {
        let prefix = "bomb-limit/"
        let client = try S3TestServer.requireCurrent().client()
        let day = "2026-06-02"
        // 65 MiB of newlines: no line is too long, so only the object's size can reject it.
        let result = try ChildRunner.run(
            "/bin/sh", ["-c", "head -c \((65 << 20)) /dev/zero | tr '\\0' '\\n' | gzip -1 -c | base64 -w0"],
            environment: ["PATH": "/usr/bin:/bin"], timeout: 120)
        let body = try #require(Data(base64Encoded: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "20260602T000000000Z-0123456789abcdef"), body: body)
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "compacted-20260603T000000000Z-0123456789abcdef"), body: body)
        let env = try S3TestServer.requireCurrent().environment(prefix: prefix)
        let report = try Sandbox().cli(["report", "--from", day, "--to", day, "--format", "json", "--no-cache"], env: env)
        #expect(report.status == 0, "\(report.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let input = try #require(object["input"] as? [String: Any])
        #expect(input["rejected_objects"] as? [String: Int] == ["not_gzip": 0, "damaged": 0, "too_large": 1], "\(input)")
        #expect(input["objects"] as? Int == 1, "\(input)")
    }

    @Test func aCachedReRunReadsOnlyWhatChangedAndPrintsWhatAColdRunPrints() async throws {
        let prefix = "cached/"
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        var keys: [String] = []
        for day in ["2026-07-01", "2026-07-02", "2026-07-03"] {
            for part in 0..<3 {
                let events = (0..<6).map { FixtureEvent(event: part == 0 ? .startBegin : .appCreated, day: day, machine: $0 + part) }
                let key = EventFixtures.key(prefix: prefix, day: day, name: "part-\(part)")
                try await client.putObject(key: key, body: try EventFixtures.object(events.map(\.line)))
                keys.append(key)
            }
        }
        // A copy of one object under another key: counted once, cached or not.
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: "2026-07-02", name: "resent"), body: try await client.getObject(key: keys[4]))
        let sandbox = try Sandbox()
        let cacheFile = sandbox.root + "/team-cache/report.sqlite"
        let arguments = ["report", "--from", "2026-07-01", "--to", "2026-07-03", "--format", "json"]
        let cold = try Self.cli(sandbox, arguments + ["--cache", cacheFile], prefix: prefix)
        #expect(cold.status == 0, "\(cold.stderr)")
        let uncached = try Self.cli(sandbox, arguments + ["--no-cache"], prefix: prefix)
        #expect(uncached.stdout == cold.stdout)
        let warm = try Self.cli(sandbox, arguments + ["--cache", cacheFile], prefix: prefix)
        #expect(warm.status == 0, "\(warm.stderr)")
        #expect(warm.stdout == cold.stdout)
        #expect(ReportChecks.row(try ReportChecks.jsonRows(cold.stdout))?["events"] as? Int == 54)
        var info = stat()
        #expect(stat(cacheFile, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(sandbox.root + "/team-cache", &info) == 0 && info.st_mode & 0o777 == 0o700)
        let cacheBytes = try Data(contentsOf: URL(fileURLWithPath: cacheFile))
        for secret in EventFixtures.secrets(machines: 0..<8) {
            #expect(!cold.stdout.contains(secret))
            #expect(cacheBytes.range(of: Data(secret.utf8)) == nil)
        }

        // The default place is the user's cache folder.
        _ = try Self.cli(sandbox, arguments, prefix: prefix)
        #expect(stat(sandbox.home + "/.cache/cfdev-telemetry/report-cache.sqlite", &info) == 0 && info.st_mode & 0o777 == 0o600)

        // One object new, one changed, one deleted: only two are read; the output is a cold run's.
        let newEvents = (0..<6).map { FixtureEvent(event: .stop, day: "2026-07-03", machine: $0) }
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: "2026-07-03", name: "part-9"), body: try EventFixtures.object(newEvents.map(\.line)))
        let changed = (0..<7).map { FixtureEvent(event: .bosh, day: "2026-07-01", machine: $0) }
        try await client.putObject(key: keys[1], body: try EventFixtures.object(changed.map(\.line)))
        try await client.deleteObject(key: keys[5])
        let source = "library|\(server.bucket)|\(prefix)"
        let layout = PartitionLayout(prefix: prefix)
        let range = try ReportRange(from: "2026-07-01", to: "2026-07-03")
        let libraryCache = sandbox.root + "/library-cache.sqlite"
        func run(cache: ReportCache?) async throws -> (UsageReport, ReadStatistics) {
            var aggregator = UsageAggregator(granularity: .day)
            try await BucketReader(client: client, layout: layout, pageSize: 2, cache: cache).read(range: range, into: &aggregator)
            return (aggregator.report(range: range, k: 5), aggregator.statistics)
        }
        let (libraryCold, coldStatistics) = try await run(cache: try ReportCache(path: libraryCache, source: source))
        #expect(coldStatistics.fetchedObjects == 10 && coldStatistics.cachedObjects == 0)
        try await client.putObject(key: keys[2], body: try EventFixtures.object(changed.prefix(6).map(\.line)))
        try await client.deleteObject(key: keys[8])
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: "2026-07-02", name: "part-8"), body: try EventFixtures.object(newEvents.map(\.line)))
        let cache = try ReportCache(path: libraryCache, source: source)
        let (libraryWarm, warmStatistics) = try await run(cache: cache)
        #expect(warmStatistics.fetchedObjects == 2 && warmStatistics.cachedObjects == 8)
        #expect(try cache.rows(day: CivilDate("2026-07-03")!).count == 3)
        let (fresh, _) = try await run(cache: nil)
        #expect(libraryWarm == fresh)
        #expect(libraryWarm != libraryCold)

        let warmAfterChanges = try Self.cli(sandbox, arguments + ["--cache", cacheFile], prefix: prefix)
        let coldAfterChanges = try Self.cli(sandbox, arguments + ["--no-cache"], prefix: prefix)
        #expect(warmAfterChanges.status == 0 && coldAfterChanges.status == 0)
        #expect(warmAfterChanges.stdout == coldAfterChanges.stdout)
        #expect(warmAfterChanges.stdout != cold.stdout)
        #expect(ReportChecks.row(try ReportChecks.jsonRows(warmAfterChanges.stdout), event: "stop")?["events"] as? Int == 12)
    }

    @Test func aCacheThatIsALinkOrDamagedIsAOneLineErrorOrRebuilt() async throws {
        let sandbox = try Sandbox()
        let target = sandbox.root + "/elsewhere"
        _ = FileManager.default.createFile(atPath: target, contents: Data("precious".utf8))
        let link = sandbox.root + "/cache-link.sqlite"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let arguments = ["report", "--from", "2026-07-01", "--to", "2026-07-01", "--format", "json"]
        let linked = try Self.cli(sandbox, arguments + ["--cache", link], prefix: "empty/")
        #expect(linked.status == 1)
        #expect(linked.stderr.split(separator: "\n").count == 1, "\(linked.stderr)")
        #expect(linked.stderr.contains("symbolic link"), "\(linked.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
        // Not a database: one line saying so, and how to go on.
        let garbage = sandbox.root + "/garbage.sqlite"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 0x41, count: 4096))
        let damaged = try Self.cli(sandbox, arguments + ["--cache", garbage], prefix: "empty/")
        #expect(damaged.status == 1)
        #expect(damaged.stderr.split(separator: "\n").count == 1, "\(damaged.stderr)")
        #expect(damaged.stderr.contains("--no-cache"), "\(damaged.stderr)")
        let fifo = sandbox.root + "/fifo.sqlite"
        #expect(mkfifo(fifo, 0o600) == 0)
        let blocked = try Self.cli(sandbox, arguments + ["--cache", fifo], prefix: "empty/")
        #expect(blocked.status == 1 && blocked.stderr.contains("not a regular file"), "\(blocked.stderr)")
    }

    /// Runs `python3 -c script arguments…` (its sqlite3 module edits cache files as anyone could).
    static func python(_ script: String, _ arguments: [String]) throws {
        let result = try ChildRunner.run(
            "/usr/bin/env", ["python3", "-c", script] + arguments, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Puts the partial of the row of `other` in the row of `key`: a row that still decodes. The
    /// span summaries are dropped, so that the next run reads the object rows.
    static func forge(_ cacheFile: String, key: String, withPartialOf other: String) throws {
        try python(
            """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            n = c.execute("UPDATE object_partials SET partial = (SELECT partial FROM object_partials WHERE key = ?) WHERE key = ?",
                          (sys.argv[3], sys.argv[2])).rowcount
            if c.execute("SELECT 1 FROM sqlite_master WHERE name = 'span_summaries'").fetchone():
                c.execute("DELETE FROM span_summaries")
            sys.exit(0 if n == 1 else 3)
            """, [cacheFile, key, other])
    }

    /// A cache row rewritten so that it still decodes (another row's partial in its place) is a
    /// miss: its object is read again and the row rewritten, and the report is a cold run's; in
    /// a cache file of the format before rows had a MAC too. A cache file without its key file
    /// is all misses.
    @Test func aForgedCacheRowIsReadAgainAndTheReportIsAColdRuns() async throws {
        let prefix = "forged/"
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        var keys: [String] = []
        for day in ["2026-07-11", "2026-07-12"] {
            for part in 0..<3 {
                let events = (0..<(6 + part)).map { FixtureEvent(event: part == 0 ? .startBegin : .appCreated, day: day, machine: $0 + part) }
                let key = EventFixtures.key(prefix: prefix, day: day, name: "part-\(part)")
                try await client.putObject(key: key, body: try EventFixtures.object(events.map(\.line)))
                keys.append(key)
            }
        }
        let sandbox = try Sandbox()
        let arguments = ["report", "--from", "2026-07-11", "--to", "2026-07-12", "--format", "json"]
        let cold = try Self.cli(sandbox, arguments + ["--no-cache"], prefix: prefix)
        #expect(cold.status == 0, "\(cold.stderr)")
        let cacheFile = sandbox.root + "/team-cache/report.sqlite"
        #expect(try Self.cli(sandbox, arguments + ["--cache", cacheFile], prefix: prefix).stdout == cold.stdout)
        var info = stat()
        #expect(stat(cacheFile + ".key", &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_size == 32)

        // The start_begin object of the first day now "holds" the third object's events.
        try Self.forge(cacheFile, key: keys[0], withPartialOf: keys[2])
        let forged = try Self.cli(sandbox, arguments + ["--cache", cacheFile], prefix: prefix)
        #expect(forged.status == 0, "\(forged.stderr)")
        #expect(forged.stdout == cold.stdout)

        // The same forgery in a cache file of the format before MACs: emptied, read again.
        let oldFile = sandbox.root + "/team-cache/old.sqlite"
        try Self.python(
            """
            import sqlite3, sys
            new = sqlite3.connect(sys.argv[1], timeout=10)
            old = sqlite3.connect(sys.argv[2], isolation_level=None)
            old.execute("CREATE TABLE object_partials (source TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, "
                        "partial BLOB NOT NULL, PRIMARY KEY (source, day, key)) WITHOUT ROWID")
            for row in new.execute("SELECT source, day, key, etag, partial FROM object_partials"):
                old.execute("INSERT INTO object_partials VALUES (?, ?, ?, ?, ?)", row)
            old.execute("PRAGMA user_version = 1")
            """, [cacheFile, oldFile])
        try Self.forge(oldFile, key: keys[3], withPartialOf: keys[5])
        let migrated = try Self.cli(sandbox, arguments + ["--cache", oldFile], prefix: prefix)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout == cold.stdout)

        // What was fetched and what was taken from the cache.
        let source = "library|\(server.bucket)|\(prefix)"
        let layout = PartitionLayout(prefix: prefix)
        let range = try ReportRange(from: "2026-07-11", to: "2026-07-12")
        func run(_ path: String?) async throws -> (UsageReport, ReadStatistics) {
            var aggregator = UsageAggregator(granularity: .day)
            let cache = try path.map { try ReportCache(path: $0, source: source) }
            try await BucketReader(client: client, layout: layout, cache: cache).read(range: range, into: &aggregator)
            return (aggregator.report(range: range, k: 5), aggregator.statistics)
        }
        let libraryFile = sandbox.root + "/library.sqlite"
        let (fresh, _) = try await run(nil)
        let (filledReport, filled) = try await run(libraryFile)
        #expect(filled.fetchedObjects == 6 && filled.cachedObjects == 0 && filledReport == fresh)
        try Self.forge(libraryFile, key: keys[0], withPartialOf: keys[2])
        let (afterForgery, statistics) = try await run(libraryFile)
        #expect(statistics.fetchedObjects == 1 && statistics.cachedObjects == 5, "\(statistics)")
        #expect(afterForgery == fresh)
        // The row was rewritten: the next run reads nothing.
        let (_, again) = try await run(libraryFile)
        #expect(again.fetchedObjects == 0 && again.cachedObjects == 6, "\(again)")
        // The cache file alone, without its key (copied elsewhere): nothing in it is trusted.
        let copy = sandbox.root + "/copy.sqlite"
        try FileManager.default.copyItem(atPath: libraryFile, toPath: copy)
        let (copied, copiedStatistics) = try await run(copy)
        #expect(copiedStatistics.fetchedObjects == 6 && copiedStatistics.cachedObjects == 0, "\(copiedStatistics)")
        #expect(copied == fresh)
    }

    // MARK: Compaction

    static func rows(_ result: ProcessResult) throws -> [[String: Any]] {
        #expect(result.status == 0, "\(result.stderr)")
        return try ReportChecks.jsonRows(result.stdout)
    }

    static func same(_ a: [[String: Any]], _ b: [[String: Any]]) -> Bool {
        NSArray(array: a).isEqual(to: b)
    }

    @Test func compactionLeavesTheReportsRowsUnchangedEvenWhenKilled() async throws {
        let prefix = "compact/"
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let days = (1...8).map { String(format: "2026-09-%02d", $0) }
        for day in days {
            for part in 0..<6 {
                var events = (0..<6).map { FixtureEvent(event: part % 3 == 0 ? .startBegin : .appCreated, day: day, machine: $0 + part, os: part < 4 ? "linux 6.1" : "darwin 14.5") }
                if part == 5 { events.append(FixtureEvent(event: .stop, day: "2026-08-31", machine: 1)) }  // a neighbouring day: kept
                var lines = events.map(\.line)
                if part == 2 { lines.insert("{\"schema\":1,\"event\":", at: 2) }
                let body = try EventFixtures.object(lines)
                try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "20260901T0000\(part)0000Z-\(part)"), body: body)
                if part == 1 { try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "20260901T0000\(part)0000Z-resent"), body: body) }
            }
            try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "30000000-broken"), body: Data("not gzip".utf8))
        }
        let sandbox = try Sandbox()
        let env = server.environment(prefix: prefix)
        let report = ["report", "--from", "2026-08-31", "--to", "2026-09-30", "--by", "day", "--format", "json"]
        let baseline = try Self.rows(try sandbox.cli(report + ["--no-cache"], env: env))
        #expect(ReportChecks.row(baseline)?["events"] as? Int == 8 * 36)
        _ = try Self.rows(try sandbox.cli(report, env: env))  // fills the cache

        // Killed at some moments of its run: the rows never change, cached or not.
        for delay in [0.02, 0.1, 0.25, 0.5, 0.8, 1.2] {
            let compact = try BackgroundChild(
                ProductLocator.cli, ["compact", "--from", "2026-09-01", "--to", "2026-09-08", "--page-size", "3"],
                environment: sandbox.environment(env))
            usleep(useconds_t(delay * 1_000_000))
            compact.stop(SIGKILL)
            #expect(Self.same(try Self.rows(try sandbox.cli(report + ["--no-cache"], env: env)), baseline), "killed after \(delay) s")
            #expect(Self.same(try Self.rows(try sandbox.cli(report, env: env)), baseline), "cached, killed after \(delay) s")
        }
        let done = try sandbox.cli(["compact", "--from", "2026-09-01", "--to", "2026-09-08"], env: env)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(Self.same(try Self.rows(try sandbox.cli(report + ["--no-cache"], env: env)), baseline))
        #expect(Self.same(try Self.rows(try sandbox.cli(report, env: env)), baseline))
        for day in days {
            let keys = try await client.listObjectsV2(prefix: "\(prefix)events/v1/dt=\(day)/").keys
            #expect(keys.count == 2, "\(keys)")
            #expect(keys.filter { $0.contains("/compacted-") }.count == 1, "\(keys)")
            #expect(keys.contains { $0.hasSuffix("30000000-broken.ndjson.gz") })
        }
        // Split past --max-object-bytes; still the same rows.
        let split = try sandbox.cli(["compact", "--from", "2026-09-03", "--to", "2026-09-03", "--max-object-bytes", "2048"], env: env)
        #expect(split.status == 0, "\(split.stderr)")
        let parts = try await client.listObjectsV2(prefix: "\(prefix)events/v1/dt=2026-09-03/compacted-").keys
        #expect(parts.count > 3)
        for key in parts {
            let object = try await client.getObjectResponse(key: key)
            #expect(try Gzip.decompress(object.body).count <= 2048)
            // The same type as a client's batch: one kind of object under events/v1/.
            #expect(object.header("content-type") == PartitionLayout.objectContentType)
        }
        #expect(Self.same(try Self.rows(try sandbox.cli(report + ["--no-cache"], env: env)), baseline))
        // Write-once: the store refuses to replace an existing key.
        await #expect(throws: S3Error.self) { try await client.putObject(key: parts[0], body: Data("x".utf8), writeOnce: true) }
    }
}

/// A report that runs while a day is compacted: the day's listed objects vanish before they are
/// fetched, so the day is listed and read again and no event goes missing; a day that keeps
/// vanishing ends the report with one line. The report reads through a fault proxy that holds
/// its first object GETs until the compaction, run directly against the store, is done.
@Suite("Report while a day is compacted", .serialized, .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct ReportDuringCompactionTests {
    /// `day1` with 8 objects (the report's first 8 GETs, held), `day2` with 30.
    static func upload(_ client: S3Client, prefix: String) async throws -> Int {
        var events = 0
        for (day, count) in [("2026-10-01", 8), ("2026-10-02", 30)] {
            for part in 0..<count {
                let lines = (0..<5).map { FixtureEvent(event: .appCreated, day: day, machine: $0 + part).line }
                try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "part-\(part)"), body: try EventFixtures.object(lines))
                events += lines.count
            }
        }
        return events
    }

    @Test("a day compacted between its listing and its reads is read again: every event counted", arguments: [false, true])
    func compactedWhileRead(cached: Bool) async throws {
        let server = try S3TestServer.requireCurrent()
        let prefix = "during-\(cached ? "cached" : "uncached")/"
        let total = try await Self.upload(try server.client(), prefix: prefix)
        try await FaultProxy.with(server) { proxy in
            // The listings pass, whatever order they come in (they run concurrently; counting
            // them once let a late listing of day 2 be held in place of an object GET, list the
            // compacted day and see nothing vanish); the first eight object GETs (all of day 1)
            // are held until the compaction below is done.
            try await proxy.script(Array(repeating: "hold", count: 8), methods: ["GET"], objectsOnly: true)
            let sandbox = try Sandbox()
            let env = server.environment(prefix: prefix, endpoint: proxy.url)
            let arguments =
                ["report", "--from", "2026-10-01", "--to", "2026-10-02", "--k", "2", "--format", "json"]
                + (cached ? ["--cache", sandbox.root + "/cache.sqlite"] : ["--no-cache"])
            let report = Task { try await offPool { try sandbox.cli(arguments, env: env) } }
            // Day 2 is listed (its listing answered) before it is compacted.
            let held = try await proxy.waitForLog(timeout: 60) { log in
                log.filter { $0.action == "hold" }.count == 8 && log.contains { $0.path.contains("?") && $0.path.contains("2026-10-02") && $0.done }
            }
            #expect(held.filter { $0.action == "hold" }.count == 8)
            #expect(held.contains { $0.path.contains("?") && $0.path.contains("2026-10-02") && $0.done })
            // Meanwhile day 2 is compacted (straight to the store): its listed objects are gone.
            let compact = try sandbox.cli(["compact", "--from", "2026-10-02", "--to", "2026-10-02"], env: server.environment(prefix: prefix))
            #expect(compact.status == 0, "\(compact.stderr)")
            try await proxy.release()
            let result = try await report.value
            #expect(result.status == 0, "\(result.stderr)")
            #expect(ReportChecks.row(try ReportChecks.jsonRows(result.stdout))?["events"] as? Int == total, "\(result.stdout)")
            #expect(result.stderr.contains("1 day changed while being read"), "\(result.stderr)")
        }
    }

    @Test("a day whose objects keep vanishing ends the report with one line, exit 1")
    func keepsVanishing() async throws {
        let server = try S3TestServer.requireCurrent()
        let prefix = "vanishing/"
        _ = try await Self.upload(try server.client(), prefix: prefix)
        try await FaultProxy.with(server) { proxy in
            // Every object GET answers NoSuchKey (listings pass): as if deleted each time.
            try await proxy.script([], default: "404", methods: ["GET"])
            let result = try Sandbox().cli(
                ["report", "--from", "2026-10-01", "--to", "2026-10-02", "--no-cache"], env: server.environment(prefix: prefix, endpoint: proxy.url))
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("the objects of 2026-10-01 kept vanishing while they were read"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}

/// `compact --move-rejected`: objects no report can read are copied write-once under
/// `rejected/v1/` and deleted, so reports stop paying for them; the report counts them as moved
/// aside and publishes the same rows.
@Suite("Compaction moves unreadable objects aside", .serialized, .requires(.seaweedfs), .realS3Server(.seaweedfs))
struct MoveRejectedTests {
    @Test func unreadableObjectsAreMovedAsideOnceAndTheRowsStayTheSame() async throws {
        let prefix = "aside/"
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        let day = "2026-11-02"
        for part in 0..<3 {
            let lines = (0..<6).map { FixtureEvent(event: .appCreated, day: day, machine: $0 + part).line }
            try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "20261102T00000\(part)000Z-\(part)"), body: try EventFixtures.object(lines))
        }
        let notGzip = Data("not gzip at all".utf8)
        let bomb = try SeaweedReportTests.zeroBomb(bytes: 80 << 20)
        let notGzipKey = EventFixtures.key(prefix: prefix, day: day, name: "20261102T000010000Z-junk")
        let bombKey = EventFixtures.key(prefix: prefix, day: day, name: "20261102T000011000Z-bomb")
        try await client.putObject(key: notGzipKey, body: notGzip)
        try await client.putObject(key: bombKey, body: bomb)

        let sandbox = try Sandbox()
        let env = server.environment(prefix: prefix)
        let report = ["report", "--from", day, "--to", day, "--k", "2", "--format", "json", "--no-cache"]
        let before = try sandbox.cli(report, env: env)
        let beforeInput = try #require((try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])?["input"] as? [String: Any])
        #expect(beforeInput["unreadable_objects"] as? Int == 2 && beforeInput["moved_aside_objects"] as? Int == 0, "\(beforeInput)")

        let compact = try sandbox.cli(["compact", "--from", day, "--to", day, "--move-rejected"], env: env)
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(compact.stdout.contains("0 unreadable kept, 2 moved to rejected/"), "\(compact.stdout)")
        let events = try await client.listObjectsV2(prefix: "\(prefix)events/v1/dt=\(day)/").keys
        #expect(events.count == 1 && events.allSatisfy { $0.contains("/compacted-") }, "\(events)")
        let aside = try await client.listObjectsV2(prefix: "\(prefix)rejected/v1/dt=\(day)/").keys.sorted()
        #expect(aside == [bombKey, notGzipKey].map { $0.replacingOccurrences(of: "/events/v1/", with: "/rejected/v1/") }.sorted(), "\(aside)")
        #expect(try await client.getObject(key: notGzipKey.replacingOccurrences(of: "/events/v1/", with: "/rejected/v1/")) == notGzip)
        #expect(try await client.getObject(key: bombKey.replacingOccurrences(of: "/events/v1/", with: "/rejected/v1/")) == bomb)

        let after = try sandbox.cli(report, env: env)
        #expect(SeaweedReportTests.same(try ReportChecks.jsonRows(after.stdout), try ReportChecks.jsonRows(before.stdout)))
        let afterInput = try #require((try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])?["input"] as? [String: Any])
        #expect(afterInput["unreadable_objects"] as? Int == 0 && afterInput["moved_aside_objects"] as? Int == 2, "\(afterInput)")
        let markdown = try sandbox.cli(["report", "--from", day, "--to", day, "--k", "2", "--no-cache"], env: env)
        #expect(markdown.stdout.contains("2 unreadable objects moved aside under rejected/ earlier (not read)"), "\(markdown.stdout)")
        // Nothing left to do the next time: one compacted object is the day's whole content.
        let again = try sandbox.cli(["compact", "--from", day, "--to", day, "--move-rejected"], env: env)
        #expect(again.status == 0 && again.stdout.contains("Compacted 0 days"), "\(again.stdout)")
    }
}
