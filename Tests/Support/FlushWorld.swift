import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore
import Testing

import Platform

/// One user's machine (a sandboxed HOME with consent on) pointed at a real test server, directly
/// or through a fault proxy, under its own key prefix: runs `cfdev-telemetry flush`, the `cf`
/// shim on a terminal, and fills the spool in-process for volume.
package struct FlushWorld: Sendable {
    package let sandbox: Sandbox
    package let server: S3TestServer
    package let prefix: String
    /// The endpoint the flusher talks to: the server, or a proxy in front of it.
    package let endpoint: String
    /// Environment for the CLI and the shim: credentials, endpoint, bucket, prefix. Shims started
    /// with it launch `/bin/true` instead of a background flush unless a test says otherwise, so
    /// that only the flushes a test runs itself touch the store.
    package let environment: [String: String]

    package init(
        server: S3TestServer, prefix: String, endpoint: String? = nil, machineID: String = FlushWorld.randomMachineID(),
        extra: [String: String] = [:]
    ) throws {
        sandbox = try Sandbox(machineID: machineID)
        self.server = server
        self.prefix = prefix
        self.endpoint = endpoint ?? server.url.absoluteString
        var environment = server.environment(prefix: prefix, endpoint: self.endpoint)
        environment["CFDEV_TELEMETRY_FLUSHER"] = "/bin/true"
        for (key, value) in extra { environment[key] = value }
        self.environment = environment
        try sandbox.setConsent(.on)
    }

    package static func randomMachineID() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// A fresh key prefix under `base` for one test on a shared server.
    package static func uniquePrefix(_ base: String) -> String {
        "\(base)\(UUID().uuidString.prefix(8).lowercased())/"
    }

    // MARK: Running the products

    /// `cfdev-telemetry flush ARGS` with pipes; run off the cooperative pool.
    package func flush(_ arguments: [String] = [], env extra: [String: String] = [:], timeout: Double = 120) async throws
        -> ProcessResult
    {
        try await cli(["flush"] + arguments, env: extra, timeout: timeout)
    }

    package func cli(_ arguments: [String], env extra: [String: String] = [:], timeout: Double = 120) async throws
        -> ProcessResult
    {
        let environment = sandbox.environment(self.environment.merging(extra) { _, new in new })
        return try await offPool {
            try ChildRunner.run(ProductLocator.cli, arguments, environment: environment, timeout: timeout)
        }
    }

    /// `status --json`, parsed.
    package func status() async throws -> [String: Any] {
        let result = try await cli(["status", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any], "status --json: \(result.stdout) \(result.stderr)")
    }

    /// Pending events, from `status --json`.
    package func pending() async throws -> Int {
        try #require(try await status()["pending"] as? Int)
    }

    /// How the shim records a run.
    package enum Recording: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The default: the front runs the real `cf`, then a detached `cfdev-telemetry __record`
        /// records (and starts a flush when due) after the shim has returned.
        case detached
        /// `CFDEV_TELEMETRY_DEBUG=1`: recorded in the foreground, each envelope echoed on the terminal.
        case foreground
        package var description: String { rawValue }
    }

    /// Runs `cf ARGS` through the shim on a real terminal. In `.foreground` mode returns the
    /// event IDs the shim says it recorded (its debug lines on the terminal); in `.detached`
    /// mode none are known yet (see `waitForPending`).
    package func shim(_ arguments: [String], env extra: [String: String] = [:], recording: Recording = .foreground) async throws
        -> (ProcessResult, [String])
    {
        var environment = self.environment
        if recording == .foreground { environment["CFDEV_TELEMETRY_DEBUG"] = "1" }
        environment.merge(extra) { _, new in new }
        let sandbox = self.sandbox
        let result = try await offPool { [environment] in try sandbox.cfOnTerminal(arguments, env: environment) }
        return (result, recording == .foreground ? Self.recordedIDs(in: result.stdout) : [])
    }

    /// Waits (bounded) until `count` events are pending; returns the last count seen.
    @discardableResult
    package func waitForPending(_ count: Int, timeout: TimeInterval = 30) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var pending = try await self.pending()
        while pending != count && Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
            pending = try await self.pending()
        }
        return pending
    }

    /// The pending events' IDs, from `cfdev-telemetry show --json`.
    package func pendingIDs() async throws -> [String] {
        let sandbox = self.sandbox
        return try await offPool { try sandbox.pendingEvents().compactMap { $0["event_id"] as? String } }
    }

    /// Event IDs in `cfdev-telemetry: recorded {…}` debug lines.
    package static func recordedIDs(in output: String) -> [String] {
        output.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            guard let range = line.range(of: "cfdev-telemetry: recorded ") else { return nil }
            let json = line[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return object?["event_id"] as? String
        }
    }

    /// Records `count` events in-process (the shim's own `Recorder`), spread over `days` UTC days
    /// ending today, oldest first; returns their event IDs.
    @discardableResult
    package func fill(_ count: Int, days: Int = 1, cap: Int = 1_000_000) throws -> [String] {
        guard count > 0 else { return [] }
        let env = sandbox.environment(environment)
        let home = sandbox.telemetryHome
        let recorder = Recorder(home: home, environment: env, log: TelemetryLog(home: home))
        let spool = try Spool.open(home: home)
        let now = WallClock.nowMilliseconds()
        let kinds: [EventName] = [.appCreated, .stop, .serviceCreated, .routeCreated, .appRestage]
        var ids: [String] = []
        var occurrences: [Recorder.Occurrence] = []
        for index in 0..<count {
            let day = Int64(days - 1 - (index * days / count))
            occurrences.append(
                Recorder.Occurrence(
                    event: kinds[index % kinds.count], milliseconds: now - day * 86_400_000 - Int64(count - index)))
            if occurrences.count == 500 || index == count - 1 {
                ids += try recorder.record(occurrences, in: spool, cap: cap).map(\.eventID)
                occurrences.removeAll()
            }
        }
        return ids
    }

    /// Starts `cfdev-telemetry flush ARGS` without waiting: stdio on /dev/null.
    package func startFlusher(_ arguments: [String] = [], env extra: [String: String] = [:]) throws -> ChildPID {
        let environment = sandbox.environment(self.environment.merging(extra) { _, new in new })
        return try ChildPID.spawn(ProductLocator.cli, ["flush"] + arguments, environment: environment)
    }

    /// A flush by hand started without waiting, what it prints going to files in the sandbox.
    package func startWatchedFlush(_ arguments: [String] = []) throws -> WatchedChild {
        let environment = sandbox.environment(self.environment)
        let name = UUID().uuidString.prefix(8).lowercased()
        let stdout = sandbox.root + "/flush-\(name).out"
        let stderr = sandbox.root + "/flush-\(name).err"
        let pid = try ChildRunner.spawnWritingTo(
            stdout: stdout, stderr: stderr, ProductLocator.cli, ["flush"] + arguments, environment: environment)
        return WatchedChild(child: ChildPID(pid: pid), stdoutPath: stdout, stderrPath: stderr)
    }

    // MARK: Reading back

    /// Every object under this world's prefix, with bytes and lines (boto3).
    package func landed() async throws -> [S3Read.Object] {
        let server = self.server
        let prefix = self.prefix
        return try await offPool { try S3Read.dump(server, prefix: prefix) }
    }

    /// Object keys under this world's prefix (boto3), without bodies.
    package func listed() async throws -> [S3Read.Object] {
        let server = self.server
        let prefix = self.prefix
        return try await offPool { try S3Read.list(server, prefix: prefix) }
    }
}

/// What landed under a prefix, checked the way the team reading the bucket depends on it.
package enum Landed {
    /// Checks every object under `prefix`: the key layout `<prefix>events/v1/dt=YYYY-MM-DD/<id>.ndjson.gz`,
    /// ETag == MD5 of the bytes, a gzip without timestamp, one UTC day per object (the key's), at
    /// most `maxBatchEvents` events each; and that the event IDs in the bucket are exactly
    /// `expected`, each once. Returns the objects.
    @discardableResult
    package static func verify(
        _ objects: [S3Read.Object], prefix: String, expected: Set<String>, maxBatchEvents: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [S3Read.Object] {
        var seen: [String: Int] = [:]
        for object in objects {
            #expect(object.key.hasPrefix(prefix), "key \(object.key) outside \(prefix)", sourceLocation: sourceLocation)
            let rest = String(object.key.dropFirst(prefix.count))
            let match = rest.wholeMatch(of: /events\/v1\/dt=(\d{4}-\d\d-\d\d)\/([0-9A-Za-z-]+)\.ndjson\.gz/)
            #expect(match != nil, "key layout: \(object.key)", sourceLocation: sourceLocation)
            #expect(
                object.etag == object.md5, "ETag \(object.etag) != MD5 \(object.md5 ?? "-") of \(object.key)",
                sourceLocation: sourceLocation)
            if let bytes = object.bytes {
                #expect(
                    bytes.count > 10 && bytes[0] == 0x1f && bytes[1] == 0x8b, "not gzip: \(object.key)",
                    sourceLocation: sourceLocation)
                if bytes.count > 8 {
                    #expect(
                        bytes[4..<8].allSatisfy { $0 == 0 }, "gzip MTIME set in \(object.key)",
                        sourceLocation: sourceLocation)
                }
            }
            let lines = object.lines ?? []
            #expect(!lines.isEmpty, "no NDJSON lines in \(object.key)", sourceLocation: sourceLocation)
            if let maxBatchEvents {
                #expect(
                    lines.count <= maxBatchEvents, "\(lines.count) events in \(object.key)",
                    sourceLocation: sourceLocation)
            }
            let day = match.map { String($0.1) }
            for line in lines {
                let event = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                guard let id = event?["event_id"] as? String, let timestamp = event?["timestamp"] as? String else {
                    Issue.record("not an envelope in \(object.key): \(line)", sourceLocation: sourceLocation)
                    continue
                }
                seen[id, default: 0] += 1
                #expect(
                    String(timestamp.prefix(10)) == day, "event of \(timestamp) in \(object.key)",
                    sourceLocation: sourceLocation)
            }
        }
        let duplicated = seen.filter { $0.value > 1 }
        #expect(duplicated.isEmpty, "\(duplicated.count) events landed more than once", sourceLocation: sourceLocation)
        let missing = expected.subtracting(seen.keys)
        #expect(missing.isEmpty, "\(missing.count) of \(expected.count) events never landed", sourceLocation: sourceLocation)
        let unexpected = Set(seen.keys).subtracting(expected)
        #expect(
            unexpected.isEmpty, "\(unexpected.count) events landed that were not recorded",
            sourceLocation: sourceLocation)
        return objects
    }

    /// The object key a proxy log path (`/bucket/percent-encoded-key`) names.
    package static func key(ofPath path: String, bucket: String) -> String? {
        let stripped = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard stripped.hasPrefix("/\(bucket)/") else { return nil }
        return String(stripped.dropFirst(bucket.count + 2)).removingPercentEncoding
    }
}

/// A child process started without waiting, for `kill -9` tests.
package struct ChildPID: Sendable {
    package let pid: pid_t

    package static func spawn(_ path: String, _ arguments: [String], environment: [String: String]) throws -> ChildPID {
        ChildPID(pid: try ChildRunner.spawnQuietly(path, arguments, environment: environment))
    }

    /// The exit status if it ended (reaped), nil if still running.
    package func poll() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid ? status : nil
    }

    /// `kill -9` and reap; returns whether it was still running. Never signals a pid that was
    /// already reaped (it may belong to another process by now: pid_max is small here).
    @discardableResult
    package func kill9() -> Bool {
        var probe: Int32 = 0
        let result = waitpid(pid, &probe, WNOHANG)
        if result == pid || result < 0 { return false }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return true
    }

    /// Waits (bounded) for the end; kills it past `timeout`. Returns the wait status.
    package func wait(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = poll() { return status }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        kill9()
        return nil
    }
}

/// A child whose stdout and stderr go to files a test reads while it runs.
package struct WatchedChild: Sendable {
    package let child: ChildPID
    package let stdoutPath: String
    package let stderrPath: String

    package var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    package var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until its stdout contains `text`; returns whether it did.
    package func waitForOutput(_ text: String, timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) { return true }
            if child.poll() != nil { return stdout.contains(text) }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return stdout.contains(text)
    }
}

/// Whether `faketime` (libfaketime) can run the flusher with a shifted clock.
package let faketimePath: String? = ["/usr/bin/faketime", "/usr/local/bin/faketime"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

extension Prerequisite {
    /// libfaketime's `faketime`.
    package static let faketime = Prerequisite(missing: "faketime is not installed (apt-get install faketime)") { faketimePath != nil }
}

extension ProcessResult {
    /// Non-empty lines of stderr.
    package var errorLines: [String] {
        stderr.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
