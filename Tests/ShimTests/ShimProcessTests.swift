import Foundation
import Platform
import Testing
import TelemetryCore
import TelemetryTestSupport

@Suite("The shim never changes what the wrapped command does")
struct ShimProcessTests {
    @Test("exit statuses pass through", arguments: [0, 1, 42, 255])
    func exitStatus(_ code: Int) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        #expect(try sandbox.cfOnTerminal(["push", "a"], env: ["FAKE_CF_EXIT": "\(code)"]).status == Int32(code))
        #expect(try sandbox.cfWithPipes(["apps"], env: ["FAKE_CF_EXIT": "\(code)"]).status == Int32(code))
        #expect(try sandbox.cfWithPipes(["push", "a"], env: ["FAKE_CF_EXIT": "\(code)"]).status == Int32(code))
    }

    @Test func childKilledBySignalKillsTheShimTheSameWay() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cfOnTerminal(["dev", "start"], env: ["FAKE_CF_SIGNAL": "TERM"])
        #expect(result.signal == SIGTERM)
        let events = try sandbox.pendingEvents()
        #expect(events.map { $0["event"] as? String } == ["start_begin", "error"])
        #expect((events.last?["data"] as? [String: Any])?["signal"] as? Int == Int(SIGTERM))
    }

    @Test func sigtermToTheShimIsForwardedToTheChild() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let pid = try ChildRunner.spawnLikeAShell(
            sandbox.shimDir + "/cf", ["dev", "start"],
            environment: sandbox.environment(["FAKE_CF_SLEEP": "60"]), actions: &actions)
        // Wait until the stand-in is running, then signal the shim only.
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: sandbox.fakeCFLog) && Date() < deadline { usleep(10_000) }
        usleep(100_000)
        let started = Date()
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        // Forwarded at once: the stand-in would otherwise sleep for 60 s.
        #expect(Date().timeIntervalSince(started) < 45)
        #expect(status & 0x7f == SIGTERM)
    }

    #if os(Linux)  // where the sender of a signal is known
    /// Ctrl-C from the terminal reaches cf directly; a SIGINT another process sends to the shim
    /// (`kill -INT`, `timeout -s INT`, an IDE's stop button) was meant for cf and is passed on.
    @Test("a SIGINT sent to the shim reaches cf", arguments: ["", "1"])
    func anInterruptSentToTheShimReachesCF(_ sync: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        // A real cf that is one process (as the Go binary is), busy for 20 s.
        try Sandbox.writeExecutable(sandbox.binDir + "/cf", "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$FAKE_CF_LOG\"\nexec sleep 20\n")
        // Job control on (as in a terminal window), so the background job does not start with
        // SIGINT ignored; setsid -c makes the terminal the shell's controlling one.
        let script = """
            set -m; cf push app & pid=$!
            while [ ! -s "$FAKE_CF_LOG" ]; do sleep 0.05; done; sleep 0.2
            kill -INT $pid; wait $pid; echo "status=$?"
            """
        let result = try ChildRunner.runOnTerminal(
            "/usr/bin/setsid", ["-w", "-c", "/bin/bash", "-c", script],
            environment: sandbox.environment(["CFDEV_TELEMETRY_SYNC": sync]), timeout: 60)
        #expect(result.stdout.contains("status=130"), "sync=\(sync): \(result.stdout)")
        let events = try sandbox.waitForPendingEvents(2)
        #expect(events.map { $0["event"] as? String } == ["app_created", "error"])
        #expect((events.last?["data"] as? [String: Any])?["signal"] as? Int == Int(SIGINT))
    }
    #endif

    #if os(Linux)  // reads /proc/PID/status
    /// A signal the user's shell ignores (`trap '' INT HUP`, `nohup`) is still ignored by the real
    /// `cf` run through the shim, as without it; a parent that ignores SIGCHLD does not cost the
    /// command its exit status.
    @Test("inherited ignored signals", arguments: ["INT HUP", "QUIT TERM PIPE", "CHLD"])
    func signalsTheShellIgnoredStayIgnored(_ signals: String) throws {
        // The front's background path, and the foreground one (`CFDEV_TELEMETRY_SYNC`).
        for sync in ["", "1"] {
            let sandbox = try Sandbox()
            try sandbox.setConsent(.on)
            func ignoredByCF(_ cf: String) throws -> UInt64? {
                let file = sandbox.root + "/signals-\(UUID().uuidString)"
                let env = sandbox.environment(["FAKE_CF_SIGNALS_TO": file, "FAKE_CF_EXIT": "3", "CFDEV_TELEMETRY_SYNC": sync])
                let result = try ChildRunner.runOnTerminal("/bin/bash", ["-c", "trap '' \(signals); exec \(cf) push app"], environment: env)
                #expect(result.status == 3, "\(cf): \(result.stdout)")
                let line = try String(contentsOfFile: file, encoding: .utf8)
                // glibc's own two real-time signals (32, 33) aside, which the shim's runtime holds ignored.
                return UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespacesAndNewlines), radix: 16).map { $0 & ~0x1_8000_0000 }
            }
            let bare = try ignoredByCF("'\(sandbox.binDir)/cf'")
            #expect(bare != nil && (bare != 0 || signals == "CHLD"))  // sh itself takes SIGCHLD back
            #expect(try ignoredByCF("cf") == bare, "sync=\(sync)")
            #expect(try sandbox.waitForPendingEvents(2).map { $0["event"] as? String } == ["app_created", "error"], "sync=\(sync)")
        }
    }
    #endif

    @Test func stdinPassesThroughByteForByte() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        var generator = SystemRandomNumberGenerator()
        let payload = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for command in [["push", "app"], ["apps"]] {
            let copy = sandbox.root + "/copy-\(command[0])"
            let result = try sandbox.cfWithPipes(command, env: ["FAKE_CF_STDIN_TO": copy], stdin: payload)
            #expect(result.status == 0)
            #expect(FileManager.default.contents(atPath: copy) == payload)
        }
    }

    @Test func noRealCFIsOneLineAndStatus127() throws {
        let sandbox = try Sandbox()
        try FileManager.default.removeItem(atPath: sandbox.binDir + "/cf")
        let result = try sandbox.cfWithPipes(["apps"])
        #expect(result.status == 127)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("real cf"))
    }

    @Test func aSecondLinkToTheShimOnPathIsSkipped() throws {
        let sandbox = try Sandbox()
        let other = sandbox.root + "/other-shims"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: other + "/cf", withDestinationPath: ProductLocator.shim)
        let result = try sandbox.cfWithPipes(["apps"], env: ["PATH": "\(sandbox.shimDir):\(other):\(sandbox.binDir):/usr/bin:/bin"])
        #expect(result.status == 0)
        #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8) == "apps\n")
    }

    @Test func explicitRealCF() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cfWithPipes(["apps"], env: ["CFDEV_TELEMETRY_REAL_CF": sandbox.binDir + "/cf", "PATH": "\(sandbox.shimDir):/usr/bin:/bin"])
        #expect(result.status == 0)
    }

    @Test func unwritableHomeIsSilent() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let blocked = sandbox.root + "/blocked"
        try "not a directory".write(toFile: blocked, atomically: true, encoding: .utf8)
        // CFDEV_HOME is a file: nothing can be created under it.
        let consentDir = blocked + "/telemetry"
        _ = consentDir
        let home = sandbox.telemetryHome
        try FileManager.default.removeItem(atPath: home.spoolPath.replacingOccurrences(of: "/spool.sqlite", with: "/consent.json"))
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: home.directory)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.directory) }
        try ConsentStore(home: home).save(.on)
        let result = try sandbox.cfOnTerminal(["push", "a"], env: ["FAKE_CF_EXIT": "5", "FAKE_CF_OUTPUT": "real output"])
        #expect(result.status == 5)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "real output")
        let fileHome = try sandbox.cfOnTerminal(["push", "a"], env: ["CFDEV_HOME": blocked, "FAKE_CF_EXIT": "6"])
        #expect(fileHome.status == 6)
    }

    @Test func corruptSpoolIsMovedAsideAndTheCommandStillRuns() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let path = sandbox.telemetryHome.spoolPath
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try garbage.write(to: URL(fileURLWithPath: path))
        let result = try sandbox.cfOnTerminal(["push", "a"], env: ["FAKE_CF_OUTPUT": "real output"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "real output")
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["app_created"])
        let names = try FileManager.default.contentsOfDirectory(atPath: sandbox.telemetryHome.directory)
        #expect(names.contains { $0.hasPrefix("spool.sqlite.corrupt-") })
        #expect(try String(contentsOfFile: sandbox.telemetryHome.logPath, encoding: .utf8).contains("moved aside"))
    }

    @Test func fiftyConcurrentShimsLoseNothing() async throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let results = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try sandbox.cfOnTerminal(["push", "app-\(index)"], env: ["FAKE_CF_EXIT": "\(index % 2)"]).status
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<50).map { Int32($0 % 2) }.sorted())
        let events = try sandbox.pendingEvents()
        #expect(events.filter { $0["event"] as? String == "app_created" }.count == 50)
        #expect(events.filter { $0["event"] as? String == "error" }.count == 25)
        #expect(Set(events.compactMap { $0["event_id"] as? String }).count == 75)
        let log = (try? String(contentsOfFile: sandbox.telemetryHome.logPath, encoding: .utf8)) ?? ""
        #expect(!log.contains("locked"))
    }
}
