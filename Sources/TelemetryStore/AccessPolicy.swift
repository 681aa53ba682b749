import Foundation
import TelemetryCore
import TelemetryRules

/// What to give each role of a deployment, for one bucket and key prefix: the uploader (every
/// client: PutObject under `<prefix>events/v1/` and `<prefix>erasures/v1/`, write-once where the
/// store can require it, nothing else), the reader (`report`: list the prefix, get objects) and the operator
/// (`retention`'s lifecycle rules, and what compaction needs: list, get, put and delete under
/// the prefix). As AWS IAM policy documents, or as a SeaweedFS `s3.config` identity list.
package struct AccessPolicy: Sendable {
    package enum Role: String, CaseIterable, Sendable {
        case uploader, reader, `operator`
    }

    package let bucket: String
    package let layout: PartitionLayout

    package init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.layout = PartitionLayout(prefix: prefix)
    }

    /// The normalised prefix: empty or ending in `/`.
    package var prefix: String { layout.prefix }

    /// `<prefix>events/v1/`: where clients upload.
    package var eventsPrefix: String { layout.eventsRoot }

    // MARK: AWS

    /// One IAM policy document for `role`.
    package func awsPolicy(_ role: Role) -> [String: Any] {
        let bucketARN = "arn:aws:s3:::\(bucket)"
        let eventsARN = "\(bucketARN)/\(eventsPrefix)*"
        let rejectedPrefix = layout.rejectedRoot
        let erasuresPrefix = layout.erasuresRoot
        let erasuresARN = "\(bucketARN)/\(erasuresPrefix)*"
        // The report also counts what `compact --move-rejected` moved aside (names only), and
        // reads the machines' erasure requests.
        let listEvents: [String: Any] = [
            "Sid": "ListTheEventsPrefix", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucketARN,
            "Condition": [
                "StringLike": [
                    "s3:prefix": [
                        eventsPrefix, eventsPrefix + "*", rejectedPrefix, rejectedPrefix + "*", erasuresPrefix, erasuresPrefix + "*",
                    ]
                ]
            ],
        ]
        let getErasures: [String: Any] = ["Sid": "GetErasureRequests", "Effect": "Allow", "Action": "s3:GetObject", "Resource": erasuresARN]
        let statements: [[String: Any]]
        switch role {
        case .uploader:
            statements = [
                [
                    "Sid": "PutEventsWriteOnce", "Effect": "Allow", "Action": "s3:PutObject", "Resource": eventsARN,
                    // Only conditional PUTs (If-None-Match: *): no client can overwrite an object.
                    "Condition": ["Null": ["s3:if-none-match": "false"]],
                ],
                [
                    // `forget`: one erasure request per machine, write-once, nothing else.
                    "Sid": "PutErasureRequestsWriteOnce", "Effect": "Allow", "Action": "s3:PutObject", "Resource": erasuresARN,
                    "Condition": ["Null": ["s3:if-none-match": "false"]],
                ],
            ]
        case .reader:
            statements = [
                listEvents,
                ["Sid": "GetEvents", "Effect": "Allow", "Action": "s3:GetObject", "Resource": eventsARN],
                getErasures,
            ]
        case .operator:
            statements = [
                [
                    "Sid": "RetentionRules", "Effect": "Allow",
                    "Action": ["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"], "Resource": bucketARN,
                ],
                listEvents,
                [
                    "Sid": "CompactEvents", "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": eventsARN,
                ],
                [
                    "Sid": "MoveRejectedAsideWriteOnce", "Effect": "Allow", "Action": "s3:PutObject",
                    "Resource": "\(bucketARN)/\(rejectedPrefix)*", "Condition": ["Null": ["s3:if-none-match": "false"]],
                ],
                getErasures,
            ]
        }
        return ["Version": "2012-10-17", "Statement": statements]
    }

    /// `{"uploader": {…}, "reader": {…}, "operator": {…}}`.
    package var awsPolicies: [String: Any] {
        Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, awsPolicy($0)) })
    }

    // MARK: SeaweedFS

    /// The actions of `role` in a SeaweedFS identity. SeaweedFS scopes actions to a bucket, not a
    /// prefix, and cannot require `If-None-Match`: see docs/DEPLOY.md for what that leaves open.
    package func seaweedActions(_ role: Role) -> [String] {
        switch role {
        case .uploader: return ["Write:\(bucket)"]
        case .reader: return ["Read:\(bucket)", "List:\(bucket)"]
        case .operator: return ["Read:\(bucket)", "List:\(bucket)", "Write:\(bucket)", "Admin:\(bucket)"]
        }
    }

    /// A SeaweedFS `s3.config` with one identity per role, each with the given (or fresh random)
    /// credentials.
    package func seaweedConfig(credentials: [Role: AWSCredentials]? = nil) -> [String: Any] {
        let identities: [[String: Any]] = Role.allCases.map { role in
            let keys = credentials?[role] ?? Self.randomCredentials()
            return [
                "name": "cfdev-telemetry-\(role.rawValue)",
                "credentials": [["accessKey": keys.accessKeyID, "secretKey": keys.secretAccessKey]],
                "actions": seaweedActions(role),
            ]
        }
        return ["identities": identities]
    }

    /// A new access key ID (`AKIA` + 16 base-32 characters) and a 40-character secret.
    package static func randomCredentials() -> AWSCredentials {
        // (32 and 64 letters: masking a random byte picks each with the same chance.)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let key = "AKIA" + String(RandomBytes.make(16).map { alphabet[Int($0 & 31)] })
        let secret = String(RandomBytes.make(40).map { secretAlphabet[Int($0 & 63)] })
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret)
    }

    /// Pretty, sorted JSON text.
    package static func json(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
