import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryTestSupport
import TelemetryStore
import Testing

/// `report` and `retention` against a real moto server: events recorded by the real shim and
/// uploaded by the real flusher, and objects put straight into dated partitions.
@Suite("Report and retention against moto", .serialized, .requires(.moto), .realS3Server(.moto, motoChecksSignatures: false))
struct ReportServerTests {
    /// Runs `cfdev-telemetry ARGS` against the current server under `prefix`.
    static func cli(_ sandbox: Sandbox, _ arguments: [String], prefix: String) throws -> ProcessResult {
        try sandbox.cli(arguments, env: try S3TestServer.requireCurrent().environment(prefix: prefix))
    }

    static func today() -> CivilDate { CivilDate(secondsSinceEpoch: Date().timeIntervalSince1970) }

    @Test func machinesThatFlushedAreCountedAndRareCellsWithheld() async throws {
        let server = try S3TestServer.requireCurrent()
        let prefix = "shim-flow/"
        var anonymousIDs: [String] = []
        var sandboxes: [Sandbox] = []
        for machine in 0..<6 {
            let sandbox = try Sandbox(machineID: String(format: "%032x", 0xC0FFEE00 + machine))
            sandboxes.append(sandbox)
            let env = server.environment(prefix: prefix)
            #expect(try sandbox.cli(["on"], env: env).status == 0)
            #expect(try sandbox.cfOnTerminal(["dev", "start"], env: env).status == 0)
            if machine < 5 { #expect(try sandbox.cfOnTerminal(["push", "my-secret-app"], env: env).status == 0) }
            if machine < 2 { #expect(try sandbox.cfOnTerminal(["dev", "bosh", "env"], env: env).status == 0) }
            try Self.flushEverything(sandbox, env: env)
            let status = try JSONSerialization.jsonObject(with: Data(try sandbox.cli(["status", "--json"], env: env).stdout.utf8)) as? [String: Any]
            anonymousIDs.append(try #require(status?["anonymous_id"] as? String))
        }
        #expect(Set(anonymousIDs).count == 6)
        let from = Self.today().adding(days: -1).description, to = Self.today().adding(days: 1).description
        var outputs: [ReportFormat: String] = [:]
        for format in ReportFormat.allCases {
            let result = try Self.cli(sandboxes[0], ["report", "--from", from, "--to", to, "--format", format.rawValue], prefix: prefix)
            #expect(result.status == 0, "\(result.stderr)")
            outputs[format] = result.stdout
        }
        let rows = try ReportChecks.jsonRows(outputs[.json] ?? "")
        #expect(ReportChecks.row(rows)?["events"] as? Int == 17)
        #expect(ReportChecks.row(rows)?["machines"] as? Int == 6)
        for (event, count) in [("start_begin", 6), ("start_end", 6), ("app_created", 5)] {
            #expect(ReportChecks.row(rows, event: event)?["events"] as? Int == count, "\(event)")
            #expect(ReportChecks.row(rows, event: event)?["machines"] as? Int == count, "\(event)")
        }
        #expect(ReportChecks.row(rows, event: "bosh")?["suppressed"] as? Bool == true)
        #expect(ReportChecks.row(rows, event: "bosh")?["events"] == nil)
        for (format, text) in outputs {
            for id in anonymousIDs {
                #expect(!text.contains(id) && !text.contains(id.prefix(16)) && !text.contains(id.suffix(16)), "\(format) shows an anonymous ID")
            }
            #expect(!text.contains("my-secret-app"))
        }
        #expect(ReportChecks.selfContainedProblems(outputs[.html] ?? "").isEmpty)
    }

    /// Flushes until nothing is pending (a background flush started by the shim may hold the lock).
    static func flushEverything(_ sandbox: Sandbox, env: [String: String]) throws {
        for _ in 0..<50 {
            let result = try sandbox.cli(["flush"], env: env)
            let status = try JSONSerialization.jsonObject(with: Data(try sandbox.cli(["status", "--json"], env: env).stdout.utf8)) as? [String: Any]
            if status?["pending"] as? Int == 0 { return }
            if result.status != 0 { Issue.record("flush failed: \(result.stderr)") }
            usleep(200_000)
        }
        Issue.record("events still pending after repeated flushes")
    }

    // MARK: Objects put into dated partitions

    /// Seven machines over five partitions; `org_created` only outside 2026-01-06…2026-03-20.
    static let datedEvents: [FixtureEvent] = {
        var events: [FixtureEvent] = []
        for day in ["2026-01-06", "2026-02-10", "2026-02-11", "2026-03-20"] {
            for machine in 0..<7 {
                events.append(FixtureEvent(event: .startBegin, day: day, machine: machine, build: day < "2026-02-11" ? "1.0.0" : "1.1.0"))
                events.append(FixtureEvent(event: .appCreated, day: day, machine: machine, os: machine < 5 ? "linux 6.1" : "darwin 14.5"))
            }
        }
        for day in ["2026-01-05", "2026-03-21", "2026-04-01"] {
            for machine in 0..<7 { events.append(FixtureEvent(event: .orgCreated, day: day, machine: machine)) }
        }
        return events
    }()

    /// Puts the dated events (one object per day and OS), a second copy of one object under
    /// another key, a malformed line, an object that is not gzip and a key outside the layout.
    static func putDatedObjects(prefix: String) async throws {
        let client = try S3TestServer.requireCurrent().client()
        let byObject = Dictionary(grouping: datedEvents) { "\($0.day)|\($0.os)" }
        for (name, events) in byObject.sorted(by: { $0.key < $1.key }) {
            let day = String(name.prefix(10))
            var lines = events.map(\.line)
            if name == "2026-02-10|linux 6.1" { lines.insert("{\"schema\":1,\"event\":\"stop\"", at: 3) }
            let body = try EventFixtures.object(lines)
            try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day), body: body)
            if name == "2026-02-11|linux 6.1" {
                try await client.putObject(key: EventFixtures.key(prefix: prefix, day: day, name: "resent-copy"), body: body)
            }
        }
        try await client.putObject(key: EventFixtures.key(prefix: prefix, day: "2026-02-12", name: "broken"), body: Data("not gzip".utf8))
        try await client.putObject(key: "\(prefix)events/v1/dt=2026-02-12/_SUCCESS", body: Data())
    }

    @Test func rangeSelectsPartitionsAndDuplicatesCountOnce() async throws {
        try await Self.checkRangeAndDuplicates(prefix: "dated/")
    }

    @Test func rangesStartingAndEndingOnDataDays() async throws {
        try await ListingChecks.checkDayBoundaries(prefix: "days/")
    }

    /// Puts the dated objects under `prefix`, then reads ranges of them (library and command line).
    static func checkRangeAndDuplicates(prefix: String) async throws {
        try await Self.putDatedObjects(prefix: prefix)
        let server = try S3TestServer.requireCurrent()
        var aggregator = UsageAggregator(granularity: .month)
        let reader = BucketReader(client: try server.client(), layout: PartitionLayout(prefix: prefix), pageSize: 2, concurrency: 3)
        let range = try ReportRange(from: "2026-01-06", to: "2026-03-20")
        try await reader.read(range: range, into: &aggregator)
        #expect(aggregator.statistics.duplicates == 12)  // the resent copy: 7 start_begin, 5 app_created
        #expect(aggregator.statistics.malformedLines == 1)
        #expect(aggregator.statistics.unreadableObjects == 1)
        #expect(aggregator.statistics.ignoredObjects == 1)
        let report = aggregator.report(range: range, k: 5)
        let rows = report.rows
        #expect(!rows.contains { $0.event == "org_created" })
        // darwin 14.5 (2 machines) is withheld, and its 8 events leave every total: 56 − 8.
        #expect(report.overall?.counts == .init(events: 48, machines: 7))
        #expect(rows.first { $0.event == "start_begin" && $0.dimensions == [.event] }?.counts == .init(events: 28, machines: 7))
        #expect(rows.first { $0.period == "2026-02" && $0.dimensions == [.period] }?.counts == .init(events: 24, machines: 7))
        #expect(rows.first { $0.os == "darwin 14.5" && $0.dimensions == [.os] }?.isSuppressed == true)
        #expect(rows.first { $0.os == "linux 6.1" && $0.dimensions == [.os] }?.counts == .init(events: 48, machines: 7))
        #expect(rows.first { $0.build == "1.1.0" && $0.dimensions == [.build] }?.counts == .init(events: 14, machines: 7))

        // One day only, through the command line (pages of one key).
        let sandbox = try Sandbox()
        let result = try Self.cli(sandbox, ["report", "--from", "2026-02-11", "--to", "2026-02-11", "--format", "json", "--page-size", "1"], prefix: prefix)
        #expect(result.status == 0, "\(result.stderr)")
        let dayRows = try ReportChecks.jsonRows(result.stdout)
        #expect(ReportChecks.row(dayRows)?["events"] as? Int == 12)
        #expect(ReportChecks.row(dayRows, period: "2026-02-11")?["machines"] as? Int == 7)
        #expect(ReportChecks.row(dayRows, event: "org_created") == nil)
        #expect(result.stderr.isEmpty, "\(result.stderr)")

        // The days before and after hold only org_created.
        let outside = try Self.cli(sandbox, ["report", "--from", "2026-03-21", "--to", "2026-12-31", "--format", "csv"], prefix: prefix)
        #expect(outside.status == 0, "\(outside.stderr)")
        #expect(outside.stdout.contains("org_created,,,,14,7,false"))
        #expect(!outside.stdout.contains("start_begin"))
    }

    @Test func everyFormatWritesItsFileWithoutAnonymousIDs() async throws {
        let prefix = "formats/"
        try await Self.putDatedObjects(prefix: prefix)
        let sandbox = try Sandbox()
        for format in ReportFormat.allCases {
            let file = sandbox.root + "/usage." + format.rawValue
            let result = try Self.cli(sandbox, ["report", "--from", "2026-01-01", "--to", "2026-03-31", "--by", "week", "--output", file], prefix: prefix)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for secret in EventFixtures.secrets(machines: 0..<7) { #expect(!text.contains(secret), "\(format)") }
            if format == .html {
                #expect(ReportChecks.selfContainedProblems(text).isEmpty, "\(ReportChecks.selfContainedProblems(text))")
                #expect(text.components(separatedBy: "<svg").count - 1 >= 4)
            }
            if format == .json {
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(object?["by"] as? String == "week")
                let input = object?["input"] as? [String: Any]
                #expect(input?["duplicates"] as? Int == 12)
                #expect(input?["malformed_lines"] as? Int == 1)
            }
        }
        // A standard output that cannot take the report (a full disk) is a one-line error, not a crash.
        let environment = sandbox.environment(try S3TestServer.requireCurrent().environment(prefix: prefix))
        let full = try ChildRunner.run(
            "/bin/bash", ["-c", "exec '\(ProductLocator.cli)' report --from 2026-01-01 --to 2026-03-31 --no-cache > /dev/full"],
            environment: environment)
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr.hasSuffix("\nError: cannot write the report to standard output: No space left on device\n"), "\(full.stderr)")
        let warned = try Self.cli(sandbox, ["report", "--from", "2026-02-01", "--to", "2026-02-28"], prefix: prefix)
        #expect(warned.stderr.contains("1 malformed line skipped"))
        #expect(warned.stderr.contains("1 object was not readable"))
    }

    @Test func retentionRuleIsPutAndReadBack() async throws {
        let server = try S3TestServer.requireCurrent()
        let client = try server.client()
        try await client.putBucketLifecycle(
            """
            <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>keep-logs-short</ID>\
            <Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>
            """)
        let sandbox = try Sandbox()
        let result = try Self.cli(sandbox, ["retention", "--days", "400"], prefix: "team/")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cfdev-telemetry-retention: objects under \"team/events/\" expire 400 days (about 1.1 years) after upload (Enabled)"))
        #expect(result.stdout.contains("keep-logs-short"))
        var rules = LifecycleRuleSummary.parse(try await client.getBucketLifecycle())
        #expect(rules.contains(LifecycleRuleSummary(id: "cfdev-telemetry-retention", prefix: "team/events/", status: "Enabled", expirationDays: 400)))
        // The erasure requests expire with the same rule.
        #expect(
            rules.contains(LifecycleRuleSummary(id: "cfdev-telemetry-retention-erasures", prefix: "team/erasures/", status: "Enabled", expirationDays: 400)))
        #expect(result.stdout.contains("cfdev-telemetry-retention-erasures: objects under \"team/erasures/\" expire 400 days"))
        #expect(rules.contains { $0.id == "keep-logs-short" && $0.expirationDays == 7 })

        let defaults = try Self.cli(sandbox, ["retention"], prefix: "team/")
        #expect(defaults.status == 0, "\(defaults.stderr)")
        #expect(defaults.stdout.contains("expire 1825 days (about 5 years)"))
        rules = LifecycleRuleSummary.parse(try await client.getBucketLifecycle())
        #expect(rules.filter { $0.id == "cfdev-telemetry-retention" }.map(\.expirationDays) == [1825])
        #expect(rules.filter { $0.id == "cfdev-telemetry-retention-erasures" }.map(\.expirationDays) == [1825])
        #expect(rules.count == 3)

        let shown = try Self.cli(sandbox, ["retention", "--show"], prefix: "team/")
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("expire 1825 days"))
        let bad = try Self.cli(sandbox, ["retention", "--days", "0"], prefix: "team/")
        #expect(bad.status != 0)
        #expect(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
    }
}

/// Command-line errors that need no server.
@Suite("report command line")
struct ReportCommandLineTests {
    @Test(arguments: [
        (["--from", "2026-02-30", "--to", "2026-03-01"], "--from"),
        (["--from", "2026-03-01", "--to", "tomorrow"], "--to"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "after"),
        (["--from", "2026-03-01", "--to", "2026-03-02", "--by", "year"], "--by"),
        (["--from", "2026-03-01", "--to", "2026-03-02", "--k", "1"], "--k"),
        (["--from", "2026-03-01", "--to", "2026-03-02", "--format", "pdf"], "--format"),
    ])
    func badInputIsAOneLineError(arguments: [String], needle: String) throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cli(["report"] + arguments, env: ["AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9"])
        // A usage error, as argument-parser reports its own: exit 64, one line saying what is
        // wrong, then the usage line and where the help is.
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("Error: ") == true, "\(result.stderr)")
        #expect(lines.first?.contains(needle) == true, "\(result.stderr)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("Usage: ") || $0.hasPrefix("Help: ") || $0.contains("--help") }, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func anUnreachableStoreIsAOneLineError() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cli(
            ["report", "--from", "2026-03-01", "--to", "2026-03-02"],
            env: ["AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9"])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cannot list"))
    }
}

/// The same reading against a store that checks every signature (rclone).
@Suite("Report against rclone (signatures checked)", .serialized, .requires(.rclone), .realS3Server(.rclone))
struct ReportSignedTests {
    @Test func signedListingAndGetsReadTheRange() async throws {
        try await ReportServerTests.checkRangeAndDuplicates(prefix: "signed/")
    }

    @Test func rangesStartingAndEndingOnDataDays() async throws {
        try await ListingChecks.checkDayBoundaries(prefix: "days/")
    }

    @Test func aWrongSecretIsAOneLineError() throws {
        let server = try S3TestServer.requireCurrent()
        var env = server.environment(prefix: "signed/")
        env["CFDEV_TELEMETRY_SECRET_ACCESS_KEY"] = "not-the-secret"
        let result = try Sandbox().cli(["report", "--from", "2026-01-01", "--to", "2026-01-31"], env: env)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
        #expect(!result.stderr.contains("not-the-secret"))
        #expect(result.stdout.isEmpty)
    }
}
