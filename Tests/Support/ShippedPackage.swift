import Foundation
import TelemetryCore
import TelemetryRules
import Testing

import Platform

/// The binaries copied into a fresh `<prefix>/bin` with `<prefix>/etc/cfdev-telemetry/defaults.json`,
/// and a user (sandboxed HOME, consent on) whose environment says nothing about uploads.
package struct ShippedPackage: Sendable {
    package let sandbox: Sandbox
    package let prefix: String
    package var bin: String { prefix + "/bin" }
    package var defaultsPath: String { prefix + "/etc/cfdev-telemetry/defaults.json" }

    package init(defaults: [String: Any], machineID: String = "0123456789abcdef0123456789abcdef") throws {
        sandbox = try Sandbox(machineID: machineID)
        prefix = sandbox.root + "/package"
        let fm = FileManager.default
        try fm.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: prefix + "/etc/cfdev-telemetry", withIntermediateDirectories: true)
        for name in ["cf", "cfdev-telemetry"] {
            try Self.copyExecutable(ProductLocator.binDirectory + "/" + name, to: bin + "/" + name)
        }
        try JSONSerialization.data(withJSONObject: defaults).write(to: URL(fileURLWithPath: defaultsPath))
        try sandbox.setConsent(.on)
    }

    /// Only what any user's shell has: HOME, PATH (the package first, then the real `cf`), TERM.
    package func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "HOME": sandbox.home, "PATH": "\(bin):\(sandbox.binDir):/usr/bin:/bin", "TERM": "dumb", "LANG": "C.UTF-8",
            "CFDEV_TELEMETRY_MACHINE_ID_FILE": sandbox.machineIDFile, "FAKE_CF_LOG": sandbox.fakeCFLog,
        ]
        for (key, value) in extra { env[key] = value }
        return env
    }

    package func cf(_ arguments: [String], env extra: [String: String] = [:]) throws -> ProcessResult {
        try Self.retryingBusyText { try ChildRunner.runOnTerminal(bin + "/cf", arguments, environment: environment(extra)) }
    }

    package func cli(_ arguments: [String], env extra: [String: String] = [:]) throws -> ProcessResult {
        try Self.retryingBusyText {
            try ChildRunner.run(bin + "/cfdev-telemetry", arguments, environment: environment(extra), timeout: 120)
        }
    }

    /// Copies with the descriptor close-on-exec, so that children other tests spawn meanwhile
    /// do not keep the new executable open for writing.
    package static func copyExecutable(_ source: String, to destination: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw POSIXError(.EIO) }
    }

    /// A child another test forked while the copy was open may still hold it for a moment
    /// (ETXTBSY on exec): try again, a bounded number of times.
    package static func retryingBusyText(_ body: () throws -> ProcessResult) throws -> ProcessResult {
        for _ in 0..<50 {
            do {
                return try body()
            } catch let error as NSError where error.domain == NSPOSIXErrorDomain && error.code == Int(ETXTBSY) {
                usleep(100_000)
            }
        }
        return try body()
    }

    /// `cfdev-telemetry ARGS` through a symbolic link in another folder.
    package func cliThroughLink(_ arguments: [String]) throws -> ProcessResult {
        let folder = sandbox.root + "/elsewhere/bin"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let link = folder + "/cfdev-telemetry"
        if !FileManager.default.fileExists(atPath: link) {
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: bin + "/cfdev-telemetry")
        }
        return try ChildRunner.run(link, arguments, environment: environment(), timeout: 120)
    }

    package func pending() throws -> Int {
        let result = try cli(["status", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(object?["pending"] as? Int, "\(result.stdout) \(result.stderr)")
    }

    /// Records `count` events in-process, as the shim would.
    package func fill(_ count: Int) throws -> [String] {
        let home = sandbox.telemetryHome
        let recorder = Recorder(home: home, environment: environment(), log: TelemetryLog(home: home))
        let spool = try Spool.open(home: home)
        let now = WallClock.nowMilliseconds()
        let occurrences = (0..<count).map { Recorder.Occurrence(event: .appCreated, milliseconds: now - Int64(count - $0)) }
        return try recorder.record(occurrences, in: spool, cap: 1_000_000).map(\.eventID)
    }
}
