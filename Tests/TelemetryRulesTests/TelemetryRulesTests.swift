import Testing
import TelemetryRules

/// The libc-only rules every part shares: the consent file's format, the environment's kill
/// switches, the child's exit hand-over, the record request's bytes, the catalog's words.
@Suite("Telemetry rules")
struct TelemetryRulesTests {
    @Test(
        "a consent file in any other form counts as never asked",
        arguments: [
            "", "{}", "{\"policy_version\":1,\"state\":\"on\"}", "{\"policy_version\":\"1\",\"state\":\"on\",\"time\":\"t\"}",
            "{\"policy_version\":1,\"state\":\"maybe\",\"time\":\"t\"}", "{\"policy_version\":1,\"state\":\"on\",\"time\":\"t\"} x",
            "{\"policy_version\":1,\"state\":\"on\",\"state\":\"off\",\"time\":\"t\"}", "[1]", "{\"policy_version\":1,\"state\":\"on\",\"time\":\"t\",\"x\":1}",
            "{\"policy_version\":99999999999999999999,\"state\":\"on\",\"time\":\"t\"}",
        ])
    func malformedConsent(_ text: String) {
        #expect(ConsentFile(text: text) == nil)
    }

    @Test func consentFormatToleratesBlanksAndEscapes() {
        let file = ConsentFile(text: " {\n \"time\" : \"a\\\"b\\u0041\", \"state\":\"off\", \"policy_version\" : 1 }\n")
        #expect(file == ConsentFile(state: .off, time: "a\"bA", policyVersion: 1))
        let written = ConsentFile(state: .on, time: "q\"\\\n")
        #expect(ConsentFile(text: written.text) == written)
    }

    @Test func killSwitchParsing() {
        for value in ["1", "true", "yes", " 1 ", "TRUE", "anything", "1 1"] {
            #expect(EnvironmentSwitches.isSet(value), "\(value)")
        }
        for value in [nil, "", "0", "false", "no", " NO\t", "  ", "False"] as [String?] {
            #expect(!EnvironmentSwitches.isSet(value), "\(String(describing: value))")
        }
        #expect(EnvironmentSwitches.disabledReason { ["CI": "1", "DO_NOT_TRACK": "0"][$0] } == "CI")
        #expect(EnvironmentSwitches.disabledReason { ["CI": "1", "DO_NOT_TRACK": "1"][$0] } == "DO_NOT_TRACK")
        #expect(EnvironmentSwitches.disabledReason { _ in nil } == nil)
    }

    @Test func exitStatusEncoding() {
        for exit in [ChildExit.exited(0), .exited(1), .exited(255), .signaled(9), .signaled(15)] {
            #expect(ChildExit(encoded: exit.encoded) == exit)
        }
        #expect(ChildExit(waitStatus: 3 << 8) == .exited(3))
        #expect(ChildExit(waitStatus: 9) == .signaled(9))
        #expect(ChildExit.signaled(15).shellStatus == 143)
        for bad in ["exit:256", "exit:-1", "signal:0", "signal:99999999999", "exit:", "exit:1:2", "quit:1", ""] {
            #expect(ChildExit(encoded: bad) == nil, "\(bad)")
        }
    }

    @Test func recordRequestCarriesExactBytes() {
        let line = CommandLineBytes([Array("cf".utf8), [0x70, 0xff, 0xfe], [], Array("-m".utf8)])
        let request = RecordRequest(startedMs: 1, endedMs: Int64.max, outcome: .signaled(2), commandLine: line)
        #expect(RecordRequest(bytes: request.bytes) == request)
        #expect(RecordRequest(bytes: Array(request.bytes.dropLast())) == nil)
        #expect(RecordRequest(bytes: Array("other\0".utf8) + request.bytes.dropFirst(16)) == nil)
        #expect(RecordRequest(bytes: []) == nil)
        #expect(RecordRequest(bytes: Array("cfdev-record-v1\0x\0".utf8)) == nil)
        #expect(RecordRequest(bytes: request.bytes)?.outcomeOnly == false)
        let outcome = RecordRequest(startedMs: 1, endedMs: 2, outcome: .exited(3), commandLine: line, outcomeOnly: true)
        #expect(RecordRequest(bytes: outcome.bytes) == outcome)
        #expect(outcome.bytes.starts(with: Array("cfdev-record-outcome-v1\0".utf8)))
    }

    @Test func anAnswerUnderAnotherPolicyVersionIsNotInForce() {
        #expect(ConsentFile(state: .off, time: "t").stateInForce == .off)
        #expect(ConsentFile(state: .on, time: "t", policyVersion: ConsentPolicy.version + 1).stateInForce == nil)
        #expect(ConsentFile(state: .on, time: "t", policyVersion: 0).stateInForce == nil)
    }

    @Test func everyCatalogWordNamesOneCommand() {
        let words = CatalogCommand.allCases.flatMap(\.words)
        #expect(Set(words).count == words.count)
        for command in CatalogCommand.allCases {
            for word in command.words { #expect(CatalogCommands.command(named: word) == command) }
        }
        #expect(CatalogCommands.command(named: "PUSH") == nil)
        #expect(CatalogCommands.command(named: "apps") == nil)
        #expect(CatalogCommands.command(named: "") == nil)
        #expect(CatalogCommands.devCommand(named: "deploy-service") == .deployService)
        #expect(CatalogCommands.devCommand(named: CatalogCommands.telemetrySubcommand) == nil)
    }
}
