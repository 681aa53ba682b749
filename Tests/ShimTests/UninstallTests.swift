import Foundation
import TelemetryCore
import TelemetryTestSupport
import Testing

/// `cfdev-telemetry uninstall [--purge [--yes]]`, run as a real child process in a sandboxed HOME.
@Suite("cfdev-telemetry uninstall")
struct UninstallTests {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// `install-shim` then `uninstall` with the default folder: the link and its (empty) folder
    /// are gone, and the PATH line `install-shim` printed is the one to remove.
    @Test func removesTheLinkInstallShimMade() throws {
        let sandbox = try Sandbox()
        let folder = sandbox.home + "/.cfdev/shims"
        let install = try sandbox.cli(["install-shim"])
        #expect(install.status == 0)
        #expect(Self.exists(folder + "/cf"))
        let pathLine = "export PATH=\"\(folder):$PATH\""
        #expect(install.stdout.contains(pathLine))

        let uninstall = try sandbox.cli(["uninstall"])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(!Self.exists(folder + "/cf"))
        #expect(!Self.exists(folder))
        #expect(uninstall.stdout.contains("Removed \(folder)/cf"))
        #expect(uninstall.stdout.contains("Remove this line from your shell profile"))
        #expect(uninstall.stdout.contains(pathLine))
        // The shim itself is not on PATH any more: `cf` is the real one.
        #expect(
            try ChildRunner.run("/bin/sh", ["-c", "command -v cf"], environment: sandbox.environment(["PATH": "\(folder):\(sandbox.binDir)"])).stdout
                == sandbox.binDir + "/cf\n")
    }

    @Test func anotherFolderWithDir() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!Self.exists(sandbox.shimDir + "/cf"))
        // Only the default folder is removed when empty; one named with --dir stays.
        #expect(Self.exists(sandbox.shimDir))
        #expect(result.stdout.contains("export PATH=\"\(sandbox.shimDir):$PATH\""))
    }

    @Test func nothingToRemove() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cli(["uninstall"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("No cf shim link at \(sandbox.home)/.cfdev/shims/cf"))
    }

    /// A `cf` that is not a link to this installation's shim (a file, a link elsewhere, a FIFO) is
    /// left alone, and the exit status says the shim was not removed.
    @Test(arguments: ["file", "link", "fifo"])
    func leavesWhatIsNotOurShim(kind: String) throws {
        let sandbox = try Sandbox()
        let folder = sandbox.root + "/other-shims"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let cf = folder + "/cf"
        switch kind {
        case "file": try "#!/bin/sh\n".write(toFile: cf, atomically: true, encoding: .utf8)
        case "link": try FileManager.default.createSymbolicLink(atPath: cf, withDestinationPath: sandbox.binDir + "/cf")
        default: #expect(mkfifo(cf, 0o600) == 0)
        }
        let result = try sandbox.cli(["uninstall", "--dir", folder])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(cf)"))
        #expect(Self.exists(cf))
        if kind == "link" { #expect(result.stdout.contains("links to \(sandbox.binDir)/cf")) }
    }

    @Test func purgeWithYesDeletesTheTelemetryHome() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().count == 1)
        let home = sandbox.telemetryHome.directory
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!Self.exists(home))
        #expect(!Self.exists(sandbox.shimDir + "/cf"))
        #expect(result.stdout.contains("Deleted \(home)."))
    }

    /// Without a terminal and without --yes, --purge does nothing at all, shim link included.
    @Test func purgeWithoutTerminalNeedsYes() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("add --yes"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(Self.exists(sandbox.telemetryHome.consentPath))
        #expect(Self.exists(sandbox.shimDir + "/cf"))
    }

    @Test(arguments: [("y\n", true), ("yes\n", true), ("n\n", false), ("\n", false), ("whatever\n", false)])
    func purgeAsksOnATerminal(answer: String, deletes: Bool) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        let result = try ChildRunner.runOnTerminal(
            ProductLocator.cli, ["uninstall", "--dir", sandbox.shimDir, "--purge"], environment: sandbox.environment(),
            input: answer, inputDelay: 0.3)
        #expect(result.stdout.contains("Delete \(home) and everything in it"))
        #expect(Self.exists(home) == !deletes)
        #expect(result.status == (deletes ? 0 : 1))
        #expect(result.stdout.contains(deletes ? "Deleted \(home)." : "Kept \(home)."))
    }

    /// Links inside the telemetry home, or the home itself being a link, are removed, never followed.
    @Test func purgeNeverFollowsLinks() throws {
        let sandbox = try Sandbox()
        let outside = sandbox.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "keep me".write(toFile: outside + "/precious.txt", atomically: true, encoding: .utf8)
        try sandbox.telemetryHome.ensureExists()
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.telemetryHome.directory + "/spool.sqlite", withDestinationPath: outside + "/precious.txt")
        try FileManager.default.createSymbolicLink(atPath: sandbox.telemetryHome.directory + "/dir", withDestinationPath: outside)
        #expect(try sandbox.cli(["uninstall", "--purge", "--yes"]).status == 0)
        #expect(!Self.exists(sandbox.telemetryHome.directory))
        #expect(try String(contentsOfFile: outside + "/precious.txt", encoding: .utf8) == "keep me")

        try FileManager.default.createSymbolicLink(atPath: sandbox.telemetryHome.directory, withDestinationPath: outside)
        let result = try sandbox.cli(["uninstall", "--purge", "--yes"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Removed the link \(sandbox.telemetryHome.directory)"))
        #expect(!Self.exists(sandbox.telemetryHome.directory))
        #expect(try String(contentsOfFile: outside + "/precious.txt", encoding: .utf8) == "keep me")
    }

    /// With telemetry off, uninstalling changes nothing in the telemetry home, and with no home
    /// it does not create one.
    @Test func recordsNothing() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.cli(["uninstall"]).status == 0)
        #expect(!Self.exists(sandbox.telemetryHome.directory))

        try sandbox.setConsent(.off)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        let before = sandbox.telemetryFilesContents()
        let names = try FileManager.default.contentsOfDirectory(atPath: sandbox.telemetryHome.directory).sorted()
        #expect(try sandbox.cli(["uninstall", "--dir", sandbox.shimDir]).status == 0)
        #expect(sandbox.telemetryFilesContents() == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.telemetryHome.directory).sorted() == names)
    }

    @Test func yesNeedsPurge() throws {
        let result = try Sandbox().cli(["uninstall", "--yes"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--yes only goes with --purge"))
    }

    @Test func helpListsUninstall() throws {
        #expect(try Sandbox().cli(["--help"]).stdout.contains("  uninstall"))
    }
}
