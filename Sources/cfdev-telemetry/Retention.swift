import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryReport
import TelemetryStore

/// `cfdev-telemetry retention`: the bucket lifecycle rule that expires uploaded events.
struct Retention: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the bucket's lifecycle rule that deletes uploaded events after some days, and show it.",
        discussion:
            "Puts a lifecycle rule (ID cfdev-telemetry-retention) expiring objects under <prefix>events/ after --days days (default 1825, five years), and one (ID cfdev-telemetry-retention-erasures) expiring the erasure requests under <prefix>erasures/ after the same days; other lifecycle rules of the bucket are kept. The rule is then read back from the store and printed."
    )

    @OptionGroup var upload: UploadOptions

    @OptionGroup var team: TeamOptions

    @Option(help: "Days after upload before events are deleted (1…36500).")
    var days = RetentionRule.defaultDays

    @Flag(help: "Only show the bucket's current lifecycle rules; change nothing.")
    var show = false

    func run() async throws {
        let context = Context()
        let target = try await context.teamTarget(role: .operator, upload: upload, team: team)
        let rule = try RetentionRule(
            prefix: target.layout.retentionPrefix, days: days, erasuresPrefix: target.layout.erasuresRetentionPrefix)
        let client = target.client(requestTimeout: 30)
        if !show {
            let existing = try await Self.currentConfiguration(client)
            try await client.putBucketLifecycle(try rule.configuration(keeping: existing))
        }
        let rules = LifecycleRuleSummary.parse(try await Self.currentConfiguration(client) ?? "")
        print("Lifecycle rules of bucket \(target.endpoint.bucket)\(show ? "" : " (read back)"):")
        if rules.isEmpty {
            print("  none: uploaded events are kept until deleted by hand.")
        }
        for summary in rules {
            // The store's own text: control characters stripped, bounded.
            print("  \(DisplayText.sanitized(summary.description, limit: 500))")
        }
        if !show {
            guard let ours = rules.first(where: { $0.id == RetentionRule.ruleID }),
                ours.expirationDays == rule.days, ours.prefix == rule.prefix, ours.status == "Enabled",
                let erasures = rules.first(where: { $0.id == RetentionRule.erasuresRuleID }),
                erasures.expirationDays == rule.days, erasures.prefix == rule.erasuresPrefix, erasures.status == "Enabled"
            else {
                throw CommandFailure("the store did not keep the retention rule as sent")
            }
        }
    }

    /// The bucket's lifecycle configuration document, or nil when it has none.
    static func currentConfiguration(_ client: S3Client) async throws -> String? {
        do {
            return try await client.getBucketLifecycle()
        } catch let error as S3Error where error.code == .noSuchLifecycleConfiguration {
            return nil
        }
    }
}
