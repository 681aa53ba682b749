import Foundation
import Testing

/// Something a suite needs from the machine (a server, a tool, root). Outside CI a suite whose
/// prerequisite is missing is skipped, and the skip says what is missing and how to get it. In
/// CI (`CI` set, as `.ci/run` sets it) the suite always runs, so a missing prerequisite fails
/// it instead of letting it pass unseen.
package struct Prerequisite: Sendable {
    /// Whether the machine has it.
    package let isMet: @Sendable () -> Bool
    /// What is missing and how to get it, shown when the suite is skipped.
    package let missing: String

    package init(missing: String, isMet: @escaping @Sendable () -> Bool) {
        self.missing = missing
        self.isMet = isMet
    }

    /// The real S3-compatible server of `kind` (its binary on PATH).
    package static func server(_ kind: S3ServerKind) -> Prerequisite {
        Prerequisite(missing: "\(kind.binary) is not on PATH (Scripts/install-deps.sh installs it)") {
            S3TestServer.isInstalled(kind)
        }
    }

    /// Whether the suite runs: met, or under CI.
    package var shouldRun: Bool { S3TestServer.isCI || isMet() }
}

extension Trait where Self == ConditionTrait {
    /// Runs the suite or test when `prerequisite` is met, and always under CI (where a missing
    /// prerequisite then fails it); otherwise skips it, saying what is missing.
    package static func requires(_ prerequisite: Prerequisite) -> Self {
        .enabled(
            if: prerequisite.shouldRun,
            Comment(rawValue: "skipped: " + prerequisite.missing + " (under CI=true it runs, and fails)"))
    }

    /// `requires(.server(kind))`.
    package static func requires(_ kind: S3ServerKind) -> Self { requires(.server(kind)) }
}
