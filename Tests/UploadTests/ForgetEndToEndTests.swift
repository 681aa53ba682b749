import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryTestSupport
import TelemetryStore
import Testing

/// "Forget me" end to end, as the team deploys it: three packaged machines with the shipped
/// upload-only key record over several days and upload to SeaweedFS; one runs `forget`; the
/// report (cold and cached), DuckDB and Spark SQL then count none of its earlier events; the
/// erasure sweep (`compact` with the operator's key) leaves no object holding them; its events
/// after a new `on` count again.
@Suite(
    "forget: erasure end to end (SeaweedFS, shipped upload-only key)", .requires(.seaweedfs),
    .requires(ForgetEngines.duckdb), .requires(ForgetEngines.spark), .serialized)
struct ForgetEndToEndTests {
    static let bucket = "telemetry-test"
    let uploader = AccessPolicy.randomCredentials()
    let reader = AccessPolicy.randomCredentials()
    let operatorKeys = AccessPolicy.randomCredentials()

    var identities: [[String: Any]] {
        let policy = AccessPolicy(bucket: Self.bucket, prefix: "fleet/")
        return [(uploader, AccessPolicy.Role.uploader), (reader, .reader), (operatorKeys, .operator)].map { keys, role in
            [
                "name": role.rawValue, "credentials": [["accessKey": keys.accessKeyID, "secretKey": keys.secretAccessKey]],
                "actions": policy.seaweedActions(role),
            ]
        }
    }

    @Test("a machine that forgets is erased from reports, SQL and the bucket; its later events count")
    func forgetEndToEnd() async throws {
        try await S3TestServer.with(.seaweedfs, bucket: Self.bucket, identities: identities) { server in
            let defaults: [String: Any] = [
                "endpoint": server.url.absoluteString, "bucket": Self.bucket, "prefix": "fleet/", "region": server.region,
                "access_key_id": uploader.accessKeyID, "secret_access_key": uploader.secretAccessKey,
            ]
            let forgetter = try ShippedPackage(defaults: defaults, machineID: FlushWorld.randomMachineID())
            let others = try (0..<2).map { _ in try ShippedPackage(defaults: defaults, machineID: FlushWorld.randomMachineID()) }
            let now = WallClock.nowMilliseconds()
            let today = CivilDate(secondsSinceEpoch: Double(now) / 1000)
            let from = today.adding(days: -4).description
            let cache = forgetter.sandbox.root + "/report-cache.sqlite"
            let readerEnv = ["AWS_ACCESS_KEY_ID": reader.accessKeyID, "AWS_SECRET_ACCESS_KEY": reader.secretAccessKey]
            func report(_ extra: [String]) async throws -> [String: Any] {
                let result = try await offPool {
                    try forgetter.cli(["report", "--from", from, "--by", "day", "--k", "2", "--format", "json"] + extra, env: readerEnv)
                }
                #expect(result.status == 0, "\(result.stderr)")
                return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
            }

            // Three machines record over three past days (the recorder's own times) and upload.
            let forgottenIDs = try ForgetEngines.record(forgetter, perDay: 4, daysAgo: [3, 2, 1], now: now)
            var othersEvents = 0
            for (index, package) in others.enumerated() {
                othersEvents += try ForgetEngines.record(package, perDay: 5 + index, daysAgo: [3, 2, 1], now: now).count
            }
            for package in [forgetter] + others {
                let flush = try await offPool { try package.cli(["flush"]) }
                #expect(flush.status == 0, "\(flush.stderr)")
            }
            let before = try await report(["--cache", cache])
            #expect(ForgetEngines.overall(before)?.events == forgottenIDs.count + othersEvents)
            #expect(ForgetEngines.overall(before)?.machines == 3)

            // Without a terminal and without --yes: one line, nothing changed.
            let refused = try await offPool { try forgetter.cli(["forget"]) }
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("--yes") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            #expect(try await offPool { try forgetter.pending() } == 0)

            // forget: off, and the request uploaded with the shipped upload-only key.
            _ = try ForgetEngines.record(forgetter, perDay: 2, daysAgo: [0], now: WallClock.nowMilliseconds())
            let forget = try await offPool { try forgetter.cli(["forget", "--yes"]) }
            #expect(forget.status == 0, "\(forget.stderr)")
            #expect(forget.stdout.contains("2 pending events were deleted unsent"), "\(forget.stdout)")
            #expect(forget.stdout.contains("The erasure request is in the store"), "\(forget.stdout) \(forget.stderr)")
            let status = try await offPool { try forgetter.cli(["status", "--json"]) }
            let statusObject = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            #expect(statusObject?["consent"] as? String == "off")
            let erasure = try #require(statusObject?["erasure_request"] as? [String: Any], "\(status.stdout)")
            #expect(erasure["state"] as? String == "landed")
            #expect(erasure["landed_at"] is String)
            let forgottenID = try #require(erasure["anonymous_id"] as? String)
            let requestedAt = try #require(erasure["requested_at"] as? String)
            let requests = try await offPool { try S3Read.dump(server, prefix: "fleet/erasures/") }
            #expect(requests.count == 1)
            #expect(
                requests.first.map { String(decoding: $0.bytes ?? Data(), as: UTF8.self) }
                    == "{\"schema\":1,\"anonymous_id\":\"\(forgottenID)\",\"requested_at\":\"\(requestedAt)\"}\n")

            // Reports, cached (the cache was filled before the request) and cold, count none of
            // its events, and say how many they left out.
            for extra in [["--cache", cache], ["--no-cache"]] {
                let after = try await report(extra)
                #expect(ForgetEngines.overall(after)?.events == othersEvents, "\(extra)")
                #expect(ForgetEngines.overall(after)?.machines == 2, "\(extra)")
                let input = after["input"] as? [String: Any]
                #expect(input?["erased"] as? Int == forgottenIDs.count, "\(extra) \(String(describing: input))")
                #expect(input?["erasure_requests"] as? Int == 1)
            }
            let afterForget = try await report(["--no-cache"])

            // DuckDB and Spark SQL on the bucket's objects give the same rows.
            let root = forgetter.sandbox.root + "/bucket-copy"
            try await ForgetEngines.copyBucket(server, prefix: "fleet/", to: root)
            for script in ["duckdb_report.py", "spark_report.py"] {
                let sql = try await ForgetEngines.engineRows(script: script, root: root, from: from, to: today.description, k: 2)
                #expect(sql == ForgetEngines.published(afterForget), "\(script)")
            }

            // The sweep: compaction over the whole range leaves no object holding them.
            let compact = try await offPool {
                try forgetter.cli(
                    ["compact", "--from", from, "--to", today.description],
                    env: ["AWS_ACCESS_KEY_ID": operatorKeys.accessKeyID, "AWS_SECRET_ACCESS_KEY": operatorKeys.secretAccessKey])
            }
            #expect(compact.status == 0, "\(compact.stderr)")
            #expect(compact.stdout.contains("\(forgottenIDs.count) erased."), "\(compact.stdout)")
            let swept = try await offPool { try S3Read.dump(server, prefix: "fleet/events/") }
            let lines = swept.flatMap { $0.lines ?? [] }
            #expect(lines.count == othersEvents)
            #expect(!lines.contains { $0.contains(forgottenID) })
            #expect(ForgetEngines.overall(try await report(["--cache", cache]))?.events == othersEvents)

            // On again: its new events count.
            let on = try await offPool { try forgetter.cli(["on"]) }
            #expect(on.status == 0, "\(on.stderr)")
            let later = try ForgetEngines.record(forgetter, perDay: 2, daysAgo: [0], now: WallClock.nowMilliseconds())
            // (The others run the same commands today: a cell of one machine would be withheld by the k rule.)
            var othersToday = 0
            for package in others { othersToday += try ForgetEngines.record(package, perDay: 2, daysAgo: [0], now: WallClock.nowMilliseconds()).count }
            for package in [forgetter] + others {
                let flush = try await offPool { try package.cli(["flush"]) }
                #expect(flush.status == 0, "\(flush.stderr)")
            }
            for extra in [["--cache", cache], ["--no-cache"]] {
                let again = try await report(extra)
                #expect(ForgetEngines.overall(again)?.events == othersEvents + othersToday + later.count, "\(extra)")
                #expect(ForgetEngines.overall(again)?.machines == 3, "\(extra)")
            }
        }
    }
}

/// What the end-to-end test shares: recording over days, the bucket copied for the SQL engines,
/// and the report's published rows.
enum ForgetEngines {
    static let duckdb = Prerequisite(missing: "Python's duckdb is not installed (Scripts/install-deps.sh installs it)") {
        (try? ChildRunner.run("/usr/bin/env", ["python3", "-c", "import duckdb"], environment: ProcessInfo.processInfo.environment).status) == 0
    }
    static let spark = Prerequisite(missing: "pyspark is not installed or java is not on PATH (Scripts/install-deps.sh installs pyspark)") {
        let env = ProcessInfo.processInfo.environment
        return (try? ChildRunner.run("/usr/bin/env", ["python3", "-c", "import pyspark"], environment: env).status) == 0
            && (try? ChildRunner.run("/usr/bin/env", ["java", "-version"], environment: env).status) == 0
    }

    /// Records `perDay` events on each of the days `daysAgo` before `now` (the recorder's own
    /// times, as a machine that ran commands then); returns their IDs.
    static func record(_ package: ShippedPackage, perDay: Int, daysAgo: [Int], now: Int64) throws -> [String] {
        let home = package.sandbox.telemetryHome
        let recorder = Recorder(home: home, environment: package.environment(), log: TelemetryLog(home: home))
        let spool = try Spool.open(home: home)
        let kinds: [EventName] = [.appCreated, .stop, .serviceCreated]
        var occurrences: [Recorder.Occurrence] = []
        for days in daysAgo {
            for index in 0..<perDay {
                occurrences.append(
                    Recorder.Occurrence(event: kinds[index % kinds.count], milliseconds: now - Int64(days) * 86_400_000 - Int64(perDay - index)))
            }
        }
        return try recorder.record(occurrences, in: spool, cap: 1_000_000).map(\.eventID)
    }

    struct Counts: Equatable, CustomStringConvertible {
        var events: Int
        var machines: Int
        var description: String { "\(events) events, \(machines) machines" }
    }

    /// The overall row of a JSON report.
    static func overall(_ report: [String: Any]) -> Counts? {
        published(report)[Key(event: nil, os: nil, build: nil, period: nil)]
    }

    struct Key: Hashable { var event, os, build, period: String? }

    /// The published rows of a JSON report, by labels.
    static func published(_ report: [String: Any]) -> [Key: Counts] {
        var rows: [Key: Counts] = [:]
        for row in report["rows"] as? [[String: Any]] ?? [] where row["suppressed"] as? Bool == false {
            rows[Key(event: row["event"] as? String, os: row["os"] as? String, build: row["build"] as? String, period: row["period"] as? String)] =
                Counts(events: row["events"] as? Int ?? -1, machines: row["machines"] as? Int ?? -1)
        }
        return rows
    }

    /// The objects under `prefix`, written under `root` without the prefix (`events/v1/…`, `erasures/v1/…`).
    static func copyBucket(_ server: S3TestServer, prefix: String, to root: String) async throws {
        let objects = try await offPool { try S3Read.dump(server, prefix: prefix) }
        for object in objects {
            let path = root + "/" + object.key.dropFirst(prefix.count)
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try (object.bytes ?? Data()).write(to: URL(fileURLWithPath: path))
        }
    }

    /// The rows an engine's script (Fixtures/report) publishes for the copy at `root`, by day.
    static func engineRows(script: String, root: String, from: String, to: String, k: Int) async throws -> [Key: Counts] {
        let arguments = ["python3", ProductLocator.fixtures + "/report/" + script, root, from, to, "day", String(k)]
        let result = try await offPool {
            try ChildRunner.run("/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment, timeout: 900)
        }
        #expect(result.status == 0, "\(script): \(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        var published: [Key: Counts] = [:]
        for row in rows {
            published[Key(event: row["event"] as? String, os: row["os"] as? String, build: row["build"] as? String, period: row["period"] as? String)] =
                Counts(events: row["events"] as? Int ?? -1, machines: row["machines"] as? Int ?? -1)
        }
        return published
    }
}
