import Foundation
import Testing
@testable import ShimFront
@testable import TelemetryCore
import TelemetryRules
import TelemetryTestSupport

/// The facts the shim's libc-only front and the rest must agree on, tied together.
@Suite("Shared rules of the front and the core")
struct SharedRulesTests {
    /// Every trigger of the catalog, as a user types it (with the plugin's name where needed).
    static let catalogTriggers: [[String]] = [
        ["dev", "start"], ["dev", "stop"], ["dev", "deploy-service", "mysql"], ["dev", "bosh", "env"],
        ["uninstall-plugin", "cfdev"], ["CLI-MESSAGE-UNINSTALL"], ["push", "a"], ["p", "a"], ["create-route", "d"],
        ["create-service", "s", "p", "i"], ["cs", "s", "p", "i"], ["create-user-provided-service", "u"], ["cups", "u"],
        ["bind-service", "a", "i"], ["bs", "a", "i"], ["restage", "a"], ["rg", "a"], ["create-org", "o"], ["co", "o"],
        ["create-space", "s"], ["csp", "s"], ["create-user", "u", "p"],
    ]

    @Test func everyCatalogCommandPassesTheFrontsFilter() {
        for trigger in Self.catalogTriggers {
            guard case .tracked = CommandClassifier.classify(trigger) else {
                Issue.record("\(trigger) is not tracked by the classifier")
                continue
            }
            guard case .candidate(let isDevStart) = CandidateFilter.verdict(trigger[...]) else {
                Issue.record("\(trigger) is not a candidate for the front")
                continue
            }
            #expect(isDevStart == (trigger == ["dev", "start"]))
        }
        // And the front's word lists hold nothing the classifier would not track.
        for word in CatalogCommand.allCases.flatMap(\.words) {
            let arguments = word == "uninstall-plugin" ? [word, "cfdev"] : [word, "x", "y", "z"]
            guard case .tracked = CommandClassifier.classify(arguments) else {
                Issue.record("\(word) passes the front but is not tracked")
                continue
            }
        }
        for sub in CatalogDevCommand.allCases.map(\.rawValue) {
            guard case .tracked = CommandClassifier.classify(["dev", sub]) else {
                Issue.record("dev \(sub) passes the front but is not tracked")
                continue
            }
        }
        #expect(CandidateFilter.verdict(["dev", "telemetry", "--on"]) == .telemetryCommand)
        #expect(CandidateFilter.verdict(["apps"]) == .passThrough)
        #expect(CandidateFilter.verdict([]) == .passThrough)
    }

    @Test("the consent file round-trips between the writer and the front's reader", arguments: [ConsentState.on, .off])
    func consentRoundTrip(_ state: ConsentState) throws {
        let folder = TemporaryFolder("consent")
        let directory = folder.path + "/telemetry"
        let store = ConsentStore(home: TelemetryHome(directory: directory))
        try store.save(state, now: 1_700_000_000_123)
        let read = try #require(ConsentFile.read(directory: directory))
        #expect(read.state.rawValue == state.rawValue)
        #expect(read.policyVersion == ConsentPolicy.version)
        #expect(read.time == "2023-11-14T22:13:20.123Z")
        #expect(store.state() == state)
        // No temporary file is left behind, and the file is private.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["consent.json"])
        var info = stat()
        #expect(stat(directory + "/consent.json", &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func theTelemetryHomeIsOneAnswer() {
        #expect(TelemetryHomePath.directory { ["CFDEV_HOME": "/x", "HOME": "/h"][$0] } == "/x/telemetry")
        #expect(TelemetryHomePath.directory { ["HOME": "/h"][$0] } == "/h/.cfdev/telemetry")
        // Trailing slashes are dropped (`/` is `/telemetry`, not `//telemetry`); a relative
        // CFDEV_HOME stays relative, to the current folder, for every command alike.
        #expect(TelemetryHomePath.directory { ["CFDEV_HOME": "/"][$0] } == "/telemetry")
        #expect(TelemetryHomePath.directory { ["CFDEV_HOME": "/x//"][$0] } == "/x/telemetry")
        #expect(TelemetryHomePath.directory { ["HOME": "/"][$0] } == "/.cfdev/telemetry")
        #expect(TelemetryHomePath.directory { ["CFDEV_HOME": "."][$0] } == "./telemetry")
        // No HOME: the password database's home, never a relative path.
        let fallback = TelemetryHomePath.directory { _ in nil }
        #expect(fallback.hasPrefix("/") && fallback.hasSuffix("/.cfdev/telemetry"))
        #expect(TelemetryHome(environment: [:]).directory == fallback)
    }

    @Test(
        "numbers in flags that overflow or are absurd are absent",
        arguments: [
            "9999999999999999T", "99999999999999999999", "9007199254740992", "-1", "1e9", "１２", "٣", "0x10", "",
        ])
    func absurdSizes(_ text: String) {
        #expect(Sizes.megabytes(text) == nil)
        #expect(Sizes.count(text) == nil)
    }

    @Test func plainSizes() {
        #expect(Sizes.megabytes("512") == 512)
        #expect(Sizes.megabytes("2G") == 2048)
        #expect(Sizes.megabytes("8589934591T") == 8_589_934_591 * 1_048_576)
        #expect(Sizes.megabytes("8589934592T") == nil)
        #expect(Sizes.count("9007199254740991") == 9_007_199_254_740_991)
    }
}
