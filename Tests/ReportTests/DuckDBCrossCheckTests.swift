import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryTestSupport
import TelemetryStore
import Testing

/// The SQL of docs/REPORT.md (Fixtures/report/duckdb-report.sql), run by DuckDB on the same
/// objects, gives exactly the report's published rows. Runs when Python's `duckdb` is installed.
@Suite("DuckDB gives the report's numbers", .requires(DuckDBAvailability.prerequisite))
struct DuckDBCrossCheckTests {
    @Test(arguments: [(PeriodGranularity.week, 5), (.month, 5), (.day, 2)])
    func sqlMatchesTheReport(by granularity: PeriodGranularity, k: Int) async throws {
        try await EngineCrossCheck.check(script: "duckdb_report.py", by: granularity, k: k)
    }
}

/// The Spark SQL of docs/REPORT.md (Fixtures/report/spark-report.sql), run by PySpark in local
/// mode on the same objects, gives exactly the report's published rows.
@Suite(
    "Spark SQL gives the report's numbers", .serialized,
    .requires(SparkAvailability.prerequisite))
struct SparkCrossCheckTests {
    @Test(arguments: [(PeriodGranularity.week, 5), (.month, 5)])
    func sparkSQLMatchesTheReport(by granularity: PeriodGranularity, k: Int) async throws {
        try await EngineCrossCheck.check(script: "spark_report.py", by: granularity, k: k)
    }
}

enum SparkAvailability {
    /// Whether `python3 -c "import pyspark"` works and `java` is on PATH.
    static let prerequisite = Prerequisite(
        missing: "pyspark is not installed or java is not on PATH (Scripts/install-deps.sh installs pyspark)"
    ) { installed }

    static let installed: Bool = {
        let env = ProcessInfo.processInfo.environment
        return (try? ChildRunner.run("/usr/bin/env", ["python3", "-c", "import pyspark"], environment: env).status) == 0
            && (try? ChildRunner.run("/usr/bin/env", ["java", "-version"], environment: env).status) == 0
    }()
}

/// Random usage over 75 days with re-sent copies and erasure requests, read by the report and by
/// an engine's script.
enum EngineCrossCheck {
    static func check(script name: String, by granularity: PeriodGranularity, k: Int) async throws {
        var random = SeededRandom(seed: 42)
        let oses = ["linux 6.1", "linux 6.8", "darwin 14.5", "darwin 15.1", "windows 10.0"]
        let builds = ["1.0.0", "1.1.0", "1.2.0", "1.3.0-dev"]
        let catalog: [EventName] = [.startBegin, .startEnd, .stop, .appCreated, .serviceCreated, .bosh, .error, .orgCreated]
        var events: [FixtureEvent] = []
        for machine in 0..<60 {
            let os = oses[Int(random.next() % UInt64(machine < 45 ? 3 : oses.count))]
            for _ in 0..<Int(random.next() % 25) {
                let day = CivilDate(year: 2026, month: 1, day: 1)!.adding(days: Int(random.next() % 75)).description
                events.append(
                    FixtureEvent(
                        event: catalog[Int(random.next() % UInt64(catalog.count))], day: day, machine: machine, os: os,
                        build: builds[Int(random.next() % UInt64(builds.count))]))
            }
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("duckdb-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var objects: [(day: String, body: Data)] = []
        for (day, dayEvents) in Dictionary(grouping: events, by: \.day).sorted(by: { $0.key < $1.key }) {
            objects.append((day, try EventFixtures.object(dayEvents.map(\.line))))
            if day.hasSuffix("5") { objects.append((day, try EventFixtures.object(Array(dayEvents.prefix(3)).map(\.line)))) }  // re-sent copies
        }
        for (index, object) in objects.enumerated() {
            let dir = "\(root)/events/v1/dt=\(object.day)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try object.body.write(to: URL(fileURLWithPath: "\(dir)/batch-\(index).ndjson.gz"))
        }
        // Erasure requests: at the very time of a day's events (they are erased), one
        // millisecond before them (kept), two for one machine (the later wins), one for a
        // machine with no events.
        let layout = PartitionLayout(prefix: "")
        var erasures = ErasureSet()
        for (machine, at) in [(3, "2026-02-10T12:34:56.789Z"), (11, "2026-01-20T00:00:00.000Z"), (11, "2026-02-20T12:34:56.788Z"), (999, "2026-03-01T00:00:00.000Z")] {
            let request = try #require(ErasureRequest.milliseconds(ofTimestamp: at).flatMap { ErasureRequest(anonymousID: EventFixtures.anonymousID(machine), requestedMs: $0) })
            erasures.add(request)
            let path = root + "/" + request.key(in: layout)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try request.body.write(to: URL(fileURLWithPath: path))
        }
        let range = try ReportRange(from: "2026-01-10", to: "2026-03-05")
        var aggregator = UsageAggregator(granularity: granularity)
        for object in objects where range.contains(CivilDate(object.day)!) {
            aggregator.ingest(object: try Gzip.decompress(object.body), partition: CivilDate(object.day)!, erasures: erasures)
        }
        let report = aggregator.report(range: range, k: k)
        #expect(report.input.erased > 0)
        #expect(report.input.duplicates > 0)
        #expect(report.rows.contains { $0.isSuppressed })

        let script = ProductLocator.fixtures + "/report/" + name
        let arguments = ["python3", script, root, range.from.description, range.to.description, granularity.rawValue, String(k)]
        // Minutes of Spark: on a thread of its own, not one of the tests' cooperative threads.
        let result = try await offPool {
            try ChildRunner.run("/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment, timeout: 900)
        }
        #expect(result.status == 0, "\(result.stderr)")
        let sqlRows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        struct Key: Hashable { var event, os, build, period: String? }
        var sql: [Key: ReportRow.Counts] = [:]
        for row in sqlRows {
            sql[Key(event: row["event"] as? String, os: row["os"] as? String, build: row["build"] as? String, period: row["period"] as? String)] =
                ReportRow.Counts(events: row["events"] as? Int ?? -1, machines: row["machines"] as? Int ?? -1)
        }
        var published: [Key: ReportRow.Counts] = [:]
        for row in report.rows { if let counts = row.counts { published[Key(event: row.event, os: row.os, build: row.build, period: row.period)] = counts } }
        #expect(published.count > 10)
        #expect(sql == published)
    }
}

enum DuckDBAvailability {
    static let prerequisite = Prerequisite(missing: "Python's duckdb is not installed (Scripts/install-deps.sh installs it)") {
        installed
    }

    /// Whether `python3 -c "import duckdb"` works.
    static let installed: Bool = {
        (try? ChildRunner.run("/usr/bin/env", ["python3", "-c", "import duckdb"], environment: ProcessInfo.processInfo.environment).status) == 0
    }()
}
