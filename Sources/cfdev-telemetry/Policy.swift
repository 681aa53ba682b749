import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryStore

/// `cfdev-telemetry policy`: the access policies of the three roles of a deployment.
struct Policy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the access to give the uploader, the reader and the operator of the bucket.",
        discussion: """
            uploader: PutObject under <prefix>events/v1/ and <prefix>erasures/v1/ (the erasure \
            requests of `forget`) only, and (AWS) only with If-None-Match: *, so no client can read, \
            list or overwrite anything. reader (`report`): list those prefixes and get their \
            objects. operator: the lifecycle rules (`retention`) and what compaction needs (list, \
            get, put and delete under the prefix; list and get the erasure requests).

            --format aws prints one IAM policy document per role ({"uploader": …}; with --role, \
            that document alone). --format seaweedfs prints an s3.config identity list with fresh \
            random keys for each role. See docs/DEPLOY.md.
            """)

    @Option(help: "Bucket (default: the configured one).")
    var bucket: String?

    @Option(help: "Key prefix in front of events/v1/ (default: the configured one; may be empty).")
    var prefix: String?

    @Option(help: "aws or seaweedfs.")
    var format = "aws"

    @Option(help: "Only this role: uploader, reader or operator.")
    var role: String?

    func validate() throws {
        guard ["aws", "seaweedfs"].contains(format) else {
            throw ValidationError("--format: expected aws or seaweedfs, got \"\(DisplayText.sanitized(format, limit: 40))\"")
        }
        if let role, AccessPolicy.Role(rawValue: role) == nil {
            throw ValidationError("--role: expected uploader, reader or operator, got \"\(DisplayText.sanitized(role, limit: 40))\"")
        }
    }

    func run() throws {
        let settings = try Context().teamSettings()
        let bucket = self.bucket ?? settings.bucket
        _ = try S3Endpoint(url: "https://s3.amazonaws.com", bucket: bucket)
        let policy = AccessPolicy(bucket: bucket, prefix: prefix ?? settings.prefix)
        let roles = role.flatMap(AccessPolicy.Role.init(rawValue:)).map { [$0] } ?? AccessPolicy.Role.allCases
        let object: Any
        switch format {
        case "seaweedfs":
            var config = policy.seaweedConfig()
            if let identities = config["identities"] as? [[String: Any]] {
                config["identities"] = identities.filter { identity in
                    roles.contains { "cfdev-telemetry-\($0.rawValue)" == identity["name"] as? String }
                }
            }
            object = config
        default:
            object = roles.count == 1 ? policy.awsPolicy(roles[0]) : policy.awsPolicies
        }
        print(try AccessPolicy.json(object))
    }
}
