import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

/// The flusher run under libfaketime with its clock minutes off: the store's
/// `RequestTimeTooSkewed` is corrected from its `Date` and the batch is sent again, once.
/// SeaweedFS and rclone reject skewed requests themselves; moto does not check the request
/// time, so in front of it the fault proxy answers as S3 does (`skewcheck`).
@Suite("flush: a skewed client clock", .requires(.faketime))
struct FlushClockSkewTests {
    static let servers = S3ServerKind.allCases.filter { S3TestServer.shouldRun($0) }

    @Test(
        "+20 min, then -25 min, then the true clock: each run corrects itself and lands exactly once",
        arguments: servers)
    func skewedClockIsCorrected(kind: S3ServerKind) async throws {
        let faketime = try #require(faketimePath, "faketime is not installed (apt-get install faketime)")
        try await S3TestServer.with(kind, motoChecksSignatures: false) { server in
            try await FaultProxy.with(server) { proxy in
                let world = try FlushWorld(server: server, prefix: "skew \(kind)/", endpoint: proxy.url)
                var ids: [String] = []
                for shift in ["+20m", "-25m", nil] {
                    ids += try world.fill(6)
                    try await proxy.script([], default: kind == .moto ? "skewcheck" : "pass")
                    let environment = world.sandbox.environment(world.environment)
                    let arguments = shift.map { ["-f", $0, ProductLocator.cli, "flush"] } ?? [ProductLocator.cli, "flush"]
                    let result = try await offPool {
                        try ChildRunner.run(
                            shift == nil ? ProductLocator.cli : faketime,
                            shift == nil ? ["flush"] : arguments, environment: environment)
                    }
                    let label = shift ?? "true clock"
                    #expect(result.status == 0, "\(label): \(result.stderr)")
                    #expect(try await world.pending() == 0, "\(label)")
                    // The store refused the first request (skewed by the clock, or by the offset
                    // learnt in the previous run), the second was signed with the store's time.
                    let log = try await proxy.log()
                    // (rclone answers a request from the past with 400, the others with 403.)
                    let statuses = log.map { $0.status ?? 0 }
                    #expect(
                        statuses.count == 2 && [400, 403].contains(statuses[0]) && statuses[1] == 200,
                        "\(label): \(log.map { "\($0.action) \($0.status ?? 0)" })")
                    #expect(Set(log.map(\.md5)).count == 1 && Set(log.map(\.path)).count == 1, "\(label): same object")
                }
                #expect(try await world.status()["last_error"] is NSNull)
                Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
            }
        }
    }

    @Test("a 403 AccessDenied whose Date shows the clock 20 min off is corrected; with a true clock it is final", .requires(.seaweedfs))
    func forbiddenWithASkewedDate() async throws {
        let faketime = try #require(faketimePath, "faketime is not installed (apt-get install faketime)")
        try await S3TestServer.with(.seaweedfs) { server in
            try await FaultProxy.with(server) { proxy in
                let world = try FlushWorld(server: server, prefix: "denied/", endpoint: proxy.url)
                var ids = try world.fill(5)
                let environment = world.sandbox.environment(world.environment)
                try await proxy.script(["403denied"])
                let skewed = try await offPool {
                    try ChildRunner.run(faketime, ["-f", "+20m", ProductLocator.cli, "flush"], environment: environment)
                }
                #expect(skewed.status == 0, "\(skewed.stderr)")
                #expect(try await proxy.log().map(\.action) == ["403denied", "pass"])

                // With the clock right (and the offset learnt just now undone by the next
                // answer), AccessDenied is the store's final word: one line, everything kept.
                ids += try world.fill(3)
                try await proxy.script(["403skew"], default: "403denied")
                let denied = try await world.flush()
                #expect(denied.status == 1)
                #expect(denied.errorLines.count == 1 && denied.stderr.contains("AccessDenied"), "\(denied.stderr)")
                #expect(try await proxy.log().count == 2, "no retries of a final 4xx")
                #expect(try await world.pending() == 3)
                #expect((try await world.status()["last_error"] as? String)?.contains("AccessDenied") == true)

                try await proxy.script([])
                #expect(try await world.flush().status == 0)
                Landed.verify(try await world.landed(), prefix: world.prefix, expected: Set(ids))
            }
        }
    }
}
