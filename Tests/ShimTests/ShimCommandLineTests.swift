import Foundation
import Testing
import TelemetryCore
import TelemetryTestSupport

/// Whatever the command line holds, the real `cf` gets exactly those bytes, nothing
/// crashes, and the command line never shows in another process's `argv`.
@Suite("Any command line, byte for byte")
struct ShimCommandLineTests {
    /// Runs `cf` through bash, so that `$'\xff'` puts raw bytes into its argv.
    func cfRaw(_ sandbox: Sandbox, _ words: String, env: [String: String] = [:], terminal: Bool) throws -> ProcessResult {
        let script = "exec cf \(words)"
        return terminal
            ? try ChildRunner.runOnTerminal("/bin/bash", ["-c", script], environment: sandbox.environment(env))
            : try ChildRunner.run("/bin/bash", ["-c", script], environment: sandbox.environment(env))
    }

    func fakeCFLogBytes(_ sandbox: Sandbox) -> [UInt8] {
        Array(FileManager.default.contents(atPath: sandbox.fakeCFLog) ?? Data())
    }

    @Test("bytes that are not UTF-8 reach the real cf unchanged", arguments: ["sync", "background", "pipes"])
    func nonUTF8Arguments(_ mode: String) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let env = mode == "background" ? ["CFDEV_TELEMETRY_SYNC": ""] : [:]
        let terminal = mode != "pipes"
        #expect(try cfRaw(sandbox, "pu$'\\xff'sh a", env: env, terminal: terminal).status == 0)
        #expect(try cfRaw(sandbox, "push $'\\xff\\xfeapp' -m $'1G\\xc3'", env: env, terminal: terminal).status == 0)
        let expected: [UInt8] = Array("pu".utf8) + [0xff] + Array("sh a\npush ".utf8) + [0xff, 0xfe] + Array("app -m 1G".utf8) + [0xc3, 0x0a]
        #expect(fakeCFLogBytes(sandbox) == expected)
        if terminal {
            let events = try sandbox.waitForPendingEvents(1)
            #expect(events.map { $0["event"] as? String } == ["app_created"])
        }
    }

    @Test(
        "an absurd number in a flag is recorded as absent",
        arguments: [
            ["push", "a", "-m", "9999999999999999T"], ["push", "a", "-k", "9999999999999999T"],
            ["push", "a", "-m", "99999999999999999999999"], ["push", "a", "-i", "99999999999999999999"],
            ["push", "a", "-i", "-5"], ["dev", "start", "-m", "9999999999999999T", "-c", "99999999999999999999"],
        ])
    func absurdNumbers(_ command: [String]) throws {
        for env in [["CFDEV_TELEMETRY_SYNC": "1"], ["CFDEV_TELEMETRY_DEBUG": "1"], ["CFDEV_TELEMETRY_SYNC": ""]] {
            let sandbox = try Sandbox()
            try sandbox.setConsent(.on)
            let result = try sandbox.cfOnTerminal(command, env: env.merging(["FAKE_CF_EXIT": "7"]) { $1 })
            #expect(result.status == 7, "\(env)")
            #expect(try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8) == command.joined(separator: " ") + "\n")
            let events = try sandbox.waitForPendingEvents(2)
            #expect(events.count == 2, "\(env)")
            let data = events.first?["data"] as? [String: Any] ?? [:]
            #expect(data["memory_mb"] == nil && data["disk_mb"] == nil && data["instances"] == nil && data["cpus"] == nil)
            #expect((data["flags"] as? [String])?.isEmpty == false)
        }
    }

    @Test func theFirstDevStartWithAnAbsurdNumberAsksAndRecords() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cfOnTerminal(["dev", "start", "-m", "9999999999999999T"], input: "y\n", inputDelay: 0.5)
        #expect(result.status == 0)
        #expect(result.stdout.contains("[y/N]"))
        let events = try sandbox.pendingEvents()
        #expect(events.map { $0["event"] as? String } == ["start_begin", "start_end"])
    }

    #if os(Linux)  // reads every process's /proc/PID/cmdline
    @Test func theDetachedRecorderNeverShowsTheCommandLineInItsArgv() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        // Create the spool, then hold its write lock so that the recorder has to wait.
        #expect(try sandbox.cfOnTerminal(["dev", "stop"]).status == 0)
        let secret = "pw-\(UInt32.random(in: 0...UInt32.max))"
        let lock = try SpoolLockHolder(path: sandbox.telemetryHome.spoolPath)
        let result = try sandbox.cfOnTerminal(["create-user", "bob", secret], env: ["CFDEV_TELEMETRY_SYNC": ""])
        #expect(result.status == 0)
        // The recorder is waiting for the lock now: look at every process's argv.
        let deadline = Date().addingTimeInterval(10)
        var recorders: [String] = []
        while recorders.isEmpty && Date() < deadline {
            usleep(20_000)
            // This sandbox's recorder only: other tests run theirs at the same time.
            recorders = Self.commandLines(environmentContaining: "HOME=" + sandbox.home).filter { $0.contains("__record") }
        }
        #expect(!Self.commandLines().contains { $0.contains(secret) })
        lock.release()
        #expect(recorders.count == 1)
        #expect(recorders.allSatisfy { !$0.contains(secret) && !$0.contains("bob") })
        let events = try sandbox.waitForPendingEvents(2)
        #expect(events.map { $0["event"] as? String } == ["stop", "user_created"])
        #expect(!sandbox.telemetryFilesContents().contains(Data(secret.utf8)))
    }
    #endif

    #if os(Linux)  // reads every process's /proc/PID/cmdline
    /// The detached recorder has stdin, stdout and stderr of its own and nothing else the user's
    /// shell handed `cf`: the reader of another pipe `cf` held (fd 3, as Bats uses) sees its end
    /// when `cf` ends, not when the recorder does.
    @Test func theDetachedRecorderKeepsNoneOfTheCallersOtherDescriptors() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"]).status == 0)
        // The recorder waits for this lock, so it outlives cf.
        let lock = try SpoolLockHolder(path: sandbox.telemetryHome.spoolPath)
        let ended = sandbox.root + "/fd3-ended"
        let script = "exec 3> >(cat > /dev/null; : > '\(ended)'); cf push app; status=$?; exec 3>&-; exit $status"
        let result = try ChildRunner.runOnTerminal(
            "/bin/bash", ["-c", script], environment: sandbox.environment(["CFDEV_TELEMETRY_SYNC": "", "FAKE_CF_EXIT": "4"]))
        #expect(result.status == 4)
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: ended) && Date() < deadline { usleep(20_000) }
        let recorders = Self.commandLines(environmentContaining: "HOME=" + sandbox.home).filter { $0.contains("__record") }
        #expect(FileManager.default.fileExists(atPath: ended))
        #expect(recorders.count == 1, "the recorder should still be waiting for the lock")
        lock.release()
        let events = try sandbox.waitForPendingEvents(3)
        #expect(events.map { $0["event"] as? String } == ["stop", "app_created", "error"])
    }
    #endif

    /// A foreground run (the consent question's path, `CFDEV_TELEMETRY_SYNC`, debugging) waits
    /// at most `foregroundBusyTimeout` for a locked spool, then hands the whole run to the
    /// detached recorder, which waits for the lock: the user is not held up, and no event is lost.
    @Test func aForegroundRunThatFindsTheSpoolLockedHandsItsEventsToTheDetachedRecorder() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"]).status == 0)
        let lock = try SpoolLockHolder(path: sandbox.telemetryHome.spoolPath)
        let result = try sandbox.cfOnTerminal(["push", "app"], env: ["FAKE_CF_EXIT": "3", "CFDEV_TELEMETRY_DEBUG": "1"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("cfdev-telemetry: not recorded in the foreground; recording in the background"), "\(result.stdout)")
        #expect(!result.stdout.contains("cfdev-telemetry: recorded"), "\(result.stdout)")
        lock.release()
        let events = try sandbox.waitForPendingEvents(3)
        #expect(events.map { $0["event"] as? String } == ["stop", "app_created", "error"])
        #expect((events.last?["data"] as? [String: Any])?["exit_status"] as? Int == 3)
    }

    /// The command's own event was written while `cf` ran, then the spool stayed locked when its
    /// outcome came: only the outcome goes to the detached recorder, and the event is not recorded twice.
    @Test func anOutcomeThatFindsTheSpoolLockedIsHandedOnAlone() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"]).status == 0)
        let go = sandbox.root + "/cf-may-end"
        let env = ["FAKE_CF_EXIT": "3", "CFDEV_TELEMETRY_DEBUG": "1", "FAKE_CF_WAIT_FOR": go]
        // On its own thread at once (a task could wait behind the other tests' blocked ones), with
        // room for a loaded machine: the run lasts until the steps below let cf end.
        let run = ThreadRun {
            try ChildRunner.runOnTerminal(sandbox.shimDir + "/cf", ["push", "app"], environment: sandbox.environment(env), timeout: 300)
        }
        // cf is still running: its own event is in; then the spool is locked and cf ends.
        #expect(try sandbox.waitForPendingEvents(2, timeout: 120).map { $0["event"] as? String } == ["stop", "app_created"])
        let lock = try SpoolLockHolder(path: sandbox.telemetryHome.spoolPath)
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        let result = try run.wait()
        #expect(result.status == 3)
        #expect(result.stdout.contains("cfdev-telemetry: not recorded in the foreground; recording in the background"), "\(result.stdout)")
        #expect(try sandbox.pendingEvents().count == 2)
        lock.release()
        let events = try sandbox.waitForPendingEvents(3, timeout: 120)
        #expect(events.map { $0["event"] as? String } == ["stop", "app_created", "error"])
        #expect((events.last?["data"] as? [String: Any])?["exit_status"] as? Int == 3)
        // Nothing more comes: the command's event is not recorded a second time.
        usleep(1_000_000)
        #expect(try sandbox.pendingEvents().count == 3)
    }

    #if os(Linux)  // reads /proc/PID/fd
    /// A run whose recorder waits for a locked spool while the user turns telemetry off: the
    /// recorder reads consent again once it holds the lock, and records nothing.
    @Test func aRunRecordedAfterTelemetryWasTurnedOffMeanwhileIsNotRecorded() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        #expect(try sandbox.cfOnTerminal(["dev", "stop"]).status == 0)
        let lock = try SpoolLockHolder(path: sandbox.telemetryHome.spoolPath)
        #expect(try sandbox.cfOnTerminal(["push", "app"], env: ["CFDEV_TELEMETRY_SYNC": ""]).status == 0)
        // The background recorder has seen consent on and opened the spool: it now waits for the lock.
        let opened = Date().addingTimeInterval(20)
        while !Self.recorderHasOpened(sandbox) && Date() < opened { usleep(20_000) }
        #expect(Self.recorderHasOpened(sandbox))
        // `off` saves the answer at once; it cannot delete what is pending while the lock is held.
        _ = try sandbox.cli(["off"])
        #expect(ConsentStore(home: sandbox.telemetryHome).state() == .off)
        lock.release()
        // The recorder gets the lock now: it says so in the log, or (the fault) records the event.
        let log = sandbox.telemetryHome.logPath
        func decided() throws -> Bool {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("not recorded: telemetry was turned off meanwhile") { return true }
            return try sandbox.pendingEvents().count > 1
        }
        let deadline = Date().addingTimeInterval(30)
        while try !decided() && Date() < deadline { usleep(100_000) }
        #expect(try sandbox.pendingEvents().map { $0["event"] as? String } == ["stop"])
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("not recorded: telemetry was turned off meanwhile"))
    }

    /// Whether this sandbox's detached recorder has the spool open.
    static func recorderHasOpened(_ sandbox: Sandbox) -> Bool {
        let spool = URL(fileURLWithPath: sandbox.telemetryHome.spoolPath).resolvingSymlinksInPath().path
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).contains { pid in
            guard pid.allSatisfy(\.isNumber),
                let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), line.split(separator: 0).contains(Data("__record".utf8)),
                let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                environment.split(separator: 0).contains(Data(("HOME=" + sandbox.home).utf8))
            else { return false }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return fds.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == spool }
        }
    }
    #endif

    @Test func aHugeCommandLineRunsAndIsStillRecorded() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        // 600 KB of arguments: more than a pipe holds by default, well under ARG_MAX.
        let filler = (0..<6).map { String(repeating: Character(String($0)), count: 100_000) }
        let result = try sandbox.cfOnTerminal(["push", "app"] + filler, env: ["CFDEV_TELEMETRY_SYNC": "", "FAKE_CF_EXIT": "3"])
        #expect(result.status == 3)
        let logged = try String(contentsOfFile: sandbox.fakeCFLog, encoding: .utf8)
        #expect(logged == (["push", "app"] + filler).joined(separator: " ") + "\n")
        let events = try sandbox.waitForPendingEvents(2)
        #expect(events.map { $0["event"] as? String } == ["app_created", "error"])
    }

    #if os(Linux)
    /// Every process's `/proc/PID/cmdline`, NULs shown as spaces; with `environmentContaining`,
    /// only those whose environment holds that entry.
    static func commandLines(environmentContaining entry: String? = nil) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid in
            guard pid.allSatisfy(\.isNumber), let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            if let entry {
                let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
                guard environment.split(separator: 0).contains(where: { Data($0) == Data(entry.utf8) }) else { return nil }
            }
            return String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        }
    }
    #endif
}

/// Another process holding the spool's write lock (`BEGIN IMMEDIATE`) until released (it
/// polls for a release file: a pipe would stay open in the children spawned meanwhile).
final class SpoolLockHolder {
    let process = Process()
    let releaseFile: String

    init(path: String) throws {
        releaseFile = path + ".release-lock"
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import os, sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            deadline = time.time() + 120
            while not os.path.exists(sys.argv[2]) and time.time() < deadline:
                time.sleep(0.02)
            """, path, releaseFile,
        ]
        process.standardOutput = output
        try process.run()
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("locked") else { throw POSIXError(.EBUSY) }
    }

    func release() {
        _ = FileManager.default.createFile(atPath: releaseFile, contents: nil)
        process.waitUntilExit()
        unlink(releaseFile)
    }

    deinit { if process.isRunning { release() } }
}
