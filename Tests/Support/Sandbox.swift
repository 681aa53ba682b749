import Foundation
import TelemetryCore

/// A private world for one test: a temporary HOME with its own telemetry home, CF CLI
/// config, machine ID, and a stand-in for the real `cf` (a shell script that logs its
/// arguments, writes the signals it ignores (`/proc/self/status`) to `FAKE_CF_SIGNALS_TO`
/// if asked, copies stdin to a file if asked, waits for `FAKE_CF_WAIT_FOR` to exist (giving
/// up after 2 minutes or more) if asked, and exits with `FAKE_CF_EXIT`).
package final class Sandbox: @unchecked Sendable {
    package let root: String
    package let binDir: String
    package let shimDir: String
    package let machineIDFile: String

    package init(machineID: String = "0123456789abcdef0123456789abcdef", target: String? = "https://api.dev.cfdev.sh") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("cfdev-telemetry-tests")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        root = base.appendingPathComponent(UUID().uuidString.prefix(8).lowercased()).path
        binDir = root + "/realbin"
        shimDir = root + "/shims"
        machineIDFile = root + "/machine-id"
        for dir in [root, binDir, shimDir, root + "/home/.cf"] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        try (machineID + "\n").write(toFile: machineIDFile, atomically: true, encoding: .utf8)
        try Self.writeExecutable(binDir + "/cf", Self.fakeCF)
        try FileManager.default.createSymbolicLink(atPath: shimDir + "/cf", withDestinationPath: ProductLocator.shim)
        if let target { try setTarget(target) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
        // The shared parent goes too once the last sandbox is gone (fails while others remain).
        rmdir((root as NSString).deletingLastPathComponent)
    }

    package var home: String { root + "/home" }
    package var telemetryHome: TelemetryHome { TelemetryHome(directory: home + "/.cfdev/telemetry") }
    package var fakeCFLog: String { root + "/fake-cf.log" }

    /// Writes an executable with a close-on-exec descriptor, so that a child another test
    /// spawns meanwhile cannot hold it open for writing (which makes `exec` fail, ETXTBSY).
    package static func writeExecutable(_ path: String, _ text: String) throws {
        try writeExecutable(path, bytes: Array(text.utf8))
    }

    /// The same for bytes (a copy of a binary).
    package static func writeExecutable(_ path: String, bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(.EACCES) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw POSIXError(.EIO) }
    }

    /// Points the CF CLI config at `target`.
    package func setTarget(_ target: String) throws {
        try "{\"ConfigVersion\":3,\"Target\":\"\(target)\",\"APIVersion\":\"3.100.0\"}"
            .write(toFile: home + "/.cf/config.json", atomically: true, encoding: .utf8)
    }

    /// Saves a consent state as the user's answer would.
    package func setConsent(_ state: ConsentState) throws {
        try ConsentStore(home: telemetryHome).save(state)
    }

    /// The environment of a user shell: PATH with the shim first, then the real `cf`.
    package func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env: [String: String] = [
            "HOME": home,
            "PATH": "\(shimDir):\(binDir):/usr/bin:/bin",
            "CFDEV_TELEMETRY_MACHINE_ID_FILE": machineIDFile,
            "CFDEV_TELEMETRY_FLUSH_INTERVAL": "999999",
            "FAKE_CF_LOG": fakeCFLog,
            // Record before the shim returns, so tests can look at the spool at once; the
            // default, background recording has its own tests (pass "" to get it).
            "CFDEV_TELEMETRY_SYNC": "1",
            "TERM": "dumb",
            "LANG": "C.UTF-8",
        ]
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// Runs `cf ARGS` through the shim on a real terminal.
    package func cfOnTerminal(
        _ arguments: [String], env extra: [String: String] = [:], input: String = "",
        inputDelay: Double = 0
    ) throws -> ProcessResult {
        try ChildRunner.runOnTerminal(shimDir + "/cf", arguments, environment: environment(extra), input: input, inputDelay: inputDelay)
    }

    /// Runs `cf ARGS` through the shim with pipes (not interactive).
    package func cfWithPipes(_ arguments: [String], env extra: [String: String] = [:], stdin: Data = Data()) throws -> ProcessResult {
        try ChildRunner.run(shimDir + "/cf", arguments, environment: environment(extra), stdin: stdin)
    }

    /// Runs `cfdev-telemetry ARGS`.
    package func cli(_ arguments: [String], env extra: [String: String] = [:]) throws -> ProcessResult {
        try ChildRunner.run(ProductLocator.cli, arguments, environment: environment(extra))
    }

    /// Waits (bounded) until at least `count` events are pending, for background recording.
    package func waitForPendingEvents(_ count: Int, timeout: Double = 15) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var events = try pendingEvents()
        while events.count < count && Date() < deadline {
            usleep(50_000)
            events = try pendingEvents()
        }
        return events
    }

    /// The pending envelopes, parsed from `cfdev-telemetry show --json`.
    package func pendingEvents() throws -> [[String: Any]] {
        let result = try cli(["show", "--json"])
        return result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Every byte of every file in the telemetry home (database, WAL, log…), for leak checks.
    package func telemetryFilesContents() -> Data {
        var all = Data()
        let dir = telemetryHome.directory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            all.append(FileManager.default.contents(atPath: dir + "/" + name) ?? Data())
        }
        return all
    }

    /// The stand-in real `cf`: logs its arguments (one line, NUL-separated fields
    /// replaced by spaces), optionally copies stdin, sleeps, or kills itself.
    static let fakeCF = """
        #!/bin/sh
        printf '%s\\n' "$*" >> "${FAKE_CF_LOG:-/dev/null}"
        if [ -n "$FAKE_CF_SIGNALS_TO" ]; then grep '^SigIgn' /proc/$$/status > "$FAKE_CF_SIGNALS_TO"; fi
        if [ -n "$FAKE_CF_STDIN_TO" ]; then cat > "$FAKE_CF_STDIN_TO"; fi
        if [ -n "$FAKE_CF_SLEEP" ]; then sleep "$FAKE_CF_SLEEP"; fi
        i=0; while [ -n "$FAKE_CF_WAIT_FOR" ] && [ ! -e "$FAKE_CF_WAIT_FOR" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
        if [ -n "$FAKE_CF_SIGNAL" ]; then kill -"$FAKE_CF_SIGNAL" $$; fi
        if [ -n "$FAKE_CF_OUTPUT" ]; then echo "$FAKE_CF_OUTPUT"; fi
        exit "${FAKE_CF_EXIT:-0}"
        """
}
