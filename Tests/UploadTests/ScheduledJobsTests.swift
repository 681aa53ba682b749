import Foundation
import TelemetryCore
import TelemetryTestSupport
import TelemetryStore
import Testing

/// The scheduled jobs as shipped (`examples/`): the command lines of the GitHub Actions workflow
/// (web identity) and of the systemd services (a profile assuming a role from the instance's
/// role, `examples/systemd/aws-config`) are taken from the files and run against moto with IAM
/// enforced, so the files cannot drift from what works.
extension TeamAWSTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let examples = repository + "/examples"

    /// A job of the workflow: the repository variable its `AWS_ROLE_ARN` comes from, and its
    /// command lines that run the job script.
    struct WorkflowJob {
        let name: String
        var roleVariable: String?
        var commands: [String] = []
    }

    static func workflowJobs(_ text: String) -> [WorkflowJob] {
        var jobs: [WorkflowJob] = []
        var inJobs = false
        for line in text.split(separator: "\n").map(String.init) {
            if line == "jobs:" {
                inJobs = true
                continue
            }
            guard inJobs else { continue }
            if line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") {
                jobs.append(WorkflowJob(name: String(line.dropFirst(2).dropLast())))
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("AWS_ROLE_ARN: ${{ vars."), let name = trimmed.split(separator: ".").last?.split(separator: " ").first {
                jobs[jobs.count - 1].roleVariable = String(name)
            }
            if trimmed.hasPrefix("run: "), trimmed.contains("cfdev-telemetry-job.sh") {
                jobs[jobs.count - 1].commands.append(String(trimmed.dropFirst(5)))
            }
        }
        return jobs
    }

    /// `KEY=VALUE` lines of a unit (`Environment=`, `ExecStart=`, …) or an environment file.
    static func settings(_ text: String, _ key: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    /// Runs `command` in the repository with `/bin/sh`, as the scheduler would.
    static func runShipped(_ command: String, environment: [String: String]) async throws -> ProcessResult {
        try await offPool {
            try ChildRunner.run("/bin/sh", ["-c", "cd '\(Self.repository)' && \(command)"], environment: environment, timeout: 300)
        }
    }

    /// The first day of the quarter after the one holding `day` (`YYYY-MM-DD`): a quarterly
    /// report run then covers `day`.
    static func nextQuarter(after day: String) -> String {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        let quarter = (parts[1] - 1) / 3
        return quarter == 3 ? String(format: "%04d-01-01", parts[0] + 1) : String(format: "%04d-%02d-01", parts[0], quarter * 3 + 4)
    }

    @Test func theShippedScheduledJobsRunAsTheirRoles() async throws {
        // The bucket, prefix and role names the shipped files use (moto's account is 123456789012).
        let jobsEnvironment = try String(contentsOfFile: Self.examples + "/systemd/jobs.env", encoding: .utf8)
        var store: [String: String] = [:]
        for line in jobsEnvironment.split(separator: "\n") where !line.hasPrefix("#") && line.contains("=") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            store[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let bucket = try #require(store["CFDEV_TELEMETRY_BUCKET"])
        let prefix: String = try #require(store["CFDEV_TELEMETRY_PREFIX"])
        let deployment = try await Deployment.make(
            "jobs", bucket: bucket, prefix: prefix, roleName: { "cfdev-telemetry-\($0.rawValue)" })
        let yesterday = CivilDate(secondsSinceEpoch: Date().timeIntervalSince1970 - 86_400).description
        let cliFolder = (ProductLocator.cli as NSString).deletingLastPathComponent
        let scratch = try Sandbox()
        let base = store.merging([
            "PATH": "\(cliFolder):/usr/bin:/bin", "HOME": scratch.home, "AWS_ENDPOINT_URL": deployment.server.url.absoluteString,
            "XDG_CACHE_HOME": scratch.root + "/cache",
        ]) { _, new in new }

        // (Five machines: the report's default k withholds cells of fewer.)
        // GitHub Actions: web identity, a role per job.
        let workflow = try String(contentsOfFile: Self.examples + "/github-actions/cfdev-telemetry-jobs.yml", encoding: .utf8)
        let jobs = Self.workflowJobs(workflow)
        #expect(jobs.map(\.name) == ["daily-compaction", "quarterly-report"])
        #expect(workflow.contains("id-token: write"))
        let token = scratch.root + "/oidc-token"
        try "github-oidc-token-for-the-test".write(toFile: token, atomically: true, encoding: .utf8)
        let runnerTemp = scratch.root + "/runner-temp"
        try await deployment.upload(3, daysAgo: 1, machines: 5)
        for job in jobs {
            let role: AccessPolicy.Role = job.roleVariable == "CFDEV_TELEMETRY_OPERATOR_ROLE_ARN" ? .operator : .reader
            #expect(job.roleVariable == (job.name == "daily-compaction" ? "CFDEV_TELEMETRY_OPERATOR_ROLE_ARN" : "CFDEV_TELEMETRY_READER_ROLE_ARN"))
            #expect(job.commands.count == 1, "\(job)")
            var environment = base.merging([
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": deployment.roles[role]!, "AWS_ROLE_SESSION_NAME": "cfdev-telemetry-1",
                "AWS_EC2_METADATA_DISABLED": "true", "RUNNER_TEMP": runnerTemp,
            ]) { _, new in new }
            if job.name == "quarterly-report" { environment["CFDEV_TELEMETRY_JOB_DATE"] = Self.nextQuarter(after: yesterday) }
            for command in job.commands {
                let result = try await Self.runShipped(command, environment: environment)
                #expect(result.status == 0, "\(job.name): \(command)\n\(result.stdout)\n\(result.stderr)")
            }
        }
        #expect(try await deployment.keys().count == 1, "yesterday compacted into one object")
        try Self.checkReportFiles(in: runnerTemp + "/usage", events: 15)

        // systemd: the profiles of the shipped aws-config assume the roles from the instance's
        // role (instance metadata: a loopback stand-in giving the team member's keys).
        try await deployment.upload(3, daysAgo: 1, machines: 5)
        var instanceKeys = deployment.member
        instanceKeys.sessionToken = ""
        let instance = try await CredentialStandIn.start("ok", keys: instanceKeys)
        defer { instance.stop() }
        try FileManager.default.createDirectory(atPath: scratch.home + "/.aws", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.examples + "/systemd/aws-config", toPath: scratch.home + "/.aws/config")
        let state = scratch.root + "/var-lib"
        for unit in ["cfdev-telemetry-compact", "cfdev-telemetry-report"] {
            let service = try String(contentsOfFile: Self.examples + "/systemd/\(unit).service", encoding: .utf8)
            let timer = try String(contentsOfFile: Self.examples + "/systemd/\(unit).timer", encoding: .utf8)
            #expect(Self.settings(timer, "Unit") == ["\(unit).service"])
            #expect(Self.settings(service, "EnvironmentFile") == ["/etc/cfdev-telemetry/jobs.env"])
            var environment = base.merging(["AWS_EC2_METADATA_SERVICE_ENDPOINT": instance.url]) { _, new in new }
            for setting in Self.settings(service, "Environment") {
                let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
                environment[parts[0]] = parts[1]
            }
            if unit == "cfdev-telemetry-report" { environment["CFDEV_TELEMETRY_JOB_DATE"] = Self.nextQuarter(after: yesterday) }
            let commands = Self.settings(service, "ExecStart").map {
                $0.replacingOccurrences(of: "/usr/local/lib/cfdev-telemetry/", with: Self.examples + "/scheduled/")
                    .replacingOccurrences(of: "/var/lib/cfdev-telemetry", with: state)
            }
            #expect(commands.count == 1)
            for command in commands {
                let result = try await Self.runShipped(command, environment: environment)
                #expect(result.status == 0, "\(unit): \(command)\n\(result.stdout)\n\(result.stderr)")
            }
        }
        #expect(try await deployment.keys().count == 1, "the new uploads compacted with the earlier ones")
        try Self.checkReportFiles(in: state + "/reports", events: 30)
    }

    /// The four files of the quarterly report, the JSON one counting `events`.
    static func checkReportFiles(in folder: String, events: Int) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names.count == 4 && names.allSatisfy { $0.hasPrefix("cfdev-usage-") }, "\(names)")
        #expect(Set(names.map { ($0 as NSString).pathExtension }) == ["csv", "html", "json", "md"], "\(names)")
        let json = try #require(names.first { $0.hasSuffix(".json") })
        let totals = try Deployment.totals(ofJSONReport: String(contentsOfFile: folder + "/" + json, encoding: .utf8))
        #expect(totals.events == events, "\(json)")
    }
}
