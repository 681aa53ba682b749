import ShimFront
import Testing

/// The front's first look at a command line, before anything else is loaded.
@Suite("Candidate filter")
struct CandidateFilterTests {
    @Test(
        "what the front runs at once, and what it looks at more closely",
        arguments: [
            ([], CandidateFilter.Verdict.passThrough),
            (["apps"], .passThrough),
            (["PUSH", "a"], .passThrough),
            (["push-app"], .passThrough),
            (["dev"], .passThrough),
            (["dev", "suspend"], .passThrough),
            (["dev", "START"], .passThrough),
            (["push", "a"], .candidate(isDevStart: false)),
            (["p"], .candidate(isDevStart: false)),
            (["cups", "x"], .candidate(isDevStart: false)),
            (["CLI-MESSAGE-UNINSTALL"], .candidate(isDevStart: false)),
            (["uninstall-plugin", "other"], .candidate(isDevStart: false)),
            (["dev", "start", "-c", "4"], .candidate(isDevStart: true)),
            (["dev", "deploy-service", "mysql"], .candidate(isDevStart: false)),
            (["dev", "telemetry"], .telemetryCommand),
            (["dev", "telemetry", "--off"], .telemetryCommand),
        ] as [([String], CandidateFilter.Verdict)])
    func verdict(_ arguments: [String], _ expected: CandidateFilter.Verdict) {
        #expect(CandidateFilter.verdict(arguments[...]) == expected)
    }
}
