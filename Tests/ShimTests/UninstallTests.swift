import Foundation
import TelemetryCore
import TelemetryRules
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

    /// A link to a release's shim (`…/lib/cfdev-telemetry/bin/cf`) whose install is gone is this
    /// product's, and removed; a dangling link to another `cf`, or a link to another release's
    /// shim that is still there, is left.
    @Test(arguments: [("gone release", true), ("gone elsewhere", false), ("another release", false)])
    func aLinkWhoseInstallIsGone(kind: String, removed: Bool) throws {
        let sandbox = try Sandbox()
        let folder = sandbox.root + "/other-shims"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let destination = kind == "gone elsewhere" ? sandbox.root + "/gone/bin/cf" : sandbox.root + "/old prefix/lib/cfdev-telemetry/bin/cf"
        if kind == "another release" {
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Sandbox.writeExecutable(destination, "#!/bin/sh\n")
        }
        try FileManager.default.createSymbolicLink(atPath: folder + "/cf", withDestinationPath: destination)
        let result = try sandbox.cli(["uninstall", "--dir", folder])
        #expect(result.status == (removed ? 0 : 1), "\(result.stdout)\(result.stderr)")
        #expect(Self.exists(folder + "/cf") == !removed)
        #expect(result.stdout.contains(removed ? "Removed \(folder)/cf (a link to the cf shim of an install that is gone, \(destination))." : "Left \(folder)/cf"))
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

    /// A "forget me" request the store does not have yet is kept, with one line saying how to
    /// send it; once it has landed, purge deletes it like every other file.
    @Test(arguments: [true, false])
    func purgeKeepsAnErasureRequestNotYetSent(pending: Bool) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().count == 1)
        let home = sandbox.telemetryHome
        if pending {
            // The store is down: forget turns telemetry off and keeps the request to send later.
            let forget = try sandbox.cli(
                ["forget", "--yes", "--timeout", "2"],
                env: ["CFDEV_TELEMETRY_ENDPOINT": "http://127.0.0.1:9", "CFDEV_TELEMETRY_BUCKET": "b"])
            #expect(forget.status == 0, "\(forget.stderr)")
        } else {
            let request = try #require(ErasureRequest(anonymousID: String(repeating: "a", count: 64), requestedMs: 1_700_000_000_000))
            try ErasureRecord(request: request, landedMs: 1_700_000_001_000).save(home: home)
        }
        #expect(try ErasureRecord.load(home: home)?.isPending == pending)
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        if pending {
            #expect(result.status == 1, "\(result.stderr)")
            #expect(Self.exists(ErasureRecord.path(home: home)))
            #expect(try FileManager.default.contentsOfDirectory(atPath: home.directory) == [ErasureRecord.fileName])
            #expect(result.stdout.contains("erasure request, which has not reached the store yet"), "\(result.stdout)")
            #expect(result.stdout.contains("cfdev-telemetry flush"), "\(result.stdout)")
        } else {
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(!Self.exists(home.directory))
        }
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
        #expect(result.stdout.contains("Delete what cfdev-telemetry keeps in \(home) (pending events, consent, settings, log)?"))
        #expect(Self.exists(home) == !deletes)
        #expect(result.status == (deletes ? 0 : 1))
        #expect(result.stdout.contains(deletes ? "Deleted \(home)." : "Kept \(home)."))
    }

    /// Links inside the telemetry home are never followed and, not being the product's, never
    /// removed; a home that is itself a link is refused, as every other command refuses it.
    @Test func purgeNeverFollowsLinks() throws {
        let sandbox = try Sandbox()
        let outside = sandbox.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "keep me".write(toFile: outside + "/precious.txt", atomically: true, encoding: .utf8)
        let home = sandbox.telemetryHome.directory
        try sandbox.setConsent(.on)
        try FileManager.default.createSymbolicLink(atPath: home + "/spool.sqlite", withDestinationPath: outside + "/precious.txt")
        try FileManager.default.createSymbolicLink(atPath: home + "/dir", withDestinationPath: outside)
        let inside = try sandbox.cli(["uninstall", "--purge", "--yes"])
        #expect(inside.status == 1)
        #expect(inside.stdout.contains("Left \(home): it holds 2 files this product did not create (dir, spool.sqlite)."), "\(inside.stdout)")
        #expect(!Self.exists(sandbox.telemetryHome.consentPath))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: home + "/dir") == outside)
        #expect(try String(contentsOfFile: outside + "/precious.txt", encoding: .utf8) == "keep me")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["precious.txt"])

        try FileManager.default.removeItem(atPath: home)
        try FileManager.default.createSymbolicLink(atPath: home, withDestinationPath: outside)
        let result = try sandbox.cli(["uninstall", "--purge", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(home): it is a symbolic link"), "\(result.stdout)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: home) == outside)
        #expect(try String(contentsOfFile: outside + "/precious.txt", encoding: .utf8) == "keep me")
    }

    /// Issue 18: a `telemetry` folder that is not the product's (a project of the user's, here)
    /// is not deleted: purge removes only the files the product writes, by name, and says what
    /// it left and why.
    @Test func purgeLeavesAFolderItDidNotCreate() throws {
        let sandbox = try Sandbox()
        let userHome = sandbox.root + "/other-home"
        try FileManager.default.createDirectory(atPath: userHome + "/telemetry/project/src", withIntermediateDirectories: true)
        try "keep\n".write(toFile: userHome + "/telemetry/project/src/main.c", atomically: false, encoding: .utf8)
        let result = try ChildRunner.run(
            ProductLocator.cli, ["uninstall", "--purge", "--yes"],
            environment: ["PATH": "/usr/bin:/bin", "HOME": userHome, "CFDEV_HOME": userHome])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(userHome)/telemetry: it holds 1 file this product did not create (project)."), "\(result.stdout)")
        #expect(!result.stdout.contains("Deleted"))
        #expect(try String(contentsOfFile: userHome + "/telemetry/project/src/main.c", encoding: .utf8) == "keep\n")
    }

    /// A home full of things the product did not make, some with names close to its own: each
    /// survives with its contents; every file the product does make is gone.
    @Test func purgeDeletesOnlyWhatTheProductCreates() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        _ = try sandbox.cfOnTerminal(["dev", "stop"])
        #expect(try sandbox.pendingEvents().count == 1)
        let home = sandbox.telemetryHome.directory
        let own = [
            "spool.sqlite-journal", "config.json", "telemetry.log", "telemetry.log.1", "flush.lock",
            "consent.json.tmp-0123456789abcdef", "spool.sqlite.corrupt-1764000000000",
        ]
        for name in own { try "product\n".write(toFile: home + "/" + name, atomically: false, encoding: .utf8) }
        let canaries = [
            "notes.txt", ".hidden", "spool.sqlite.bak", "spool.sqlite-wal~", "consent.json.tmp-mine", "telemetry.log.2",
            "spool.sqlite.corrupt-", "config.json.orig", "line\nbreak", "project/src/main.c",
        ]
        for name in canaries {
            try FileManager.default.createDirectory(atPath: ((home + "/" + name) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "user's \(name)".write(toFile: home + "/" + name, atomically: false, encoding: .utf8)
        }
        #expect(mkfifo(home + "/a.fifo", 0o600) == 0)

        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        let left = result.stdout.split(separator: "\n").filter { $0.hasPrefix("Left ") }
        #expect(left.count == 1)
        #expect(left.first?.hasPrefix("Left \(home): it holds 11 files this product did not create (") == true, "\(result.stdout)")
        #expect(left.first?.contains("line break") == true)
        for name in canaries {
            #expect(try String(contentsOfFile: home + "/" + name, encoding: .utf8) == "user's \(name)")
        }
        #expect(FileKind(atPath: home + "/a.fifo") == .special)
        let remaining = Set(try FileManager.default.contentsOfDirectory(atPath: home))
        #expect(remaining == Set(canaries.map { String($0.split(separator: "/")[0]) } + ["a.fifo"]))
        #expect(!Self.exists(sandbox.shimDir + "/cf"))
    }

    /// The folder's listing is bounded: past 10,000 entries purge stops looking and says so.
    @Test func purgeLooksAtABoundedListing() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        for index in 0...10_000 {
            let fd = open(home + "/f\(index)", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            #expect(fd >= 0)
            close(fd)
        }
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        let left = result.stdout.split(separator: "\n").filter { $0.hasPrefix("Left ") }
        #expect(left.count == 1)
        #expect(left.first?.hasSuffix(" more); it holds more than 10000 files (only those were looked at).") == true, "\(result.stdout.suffix(300))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).count >= 10_001)
    }

    /// A home that `status` refuses (writable by others, or another user's) is left exactly as
    /// it is, at once: no waiting for an upload that cannot be running.
    @Test func purgeLeavesAHomeWritableByOthers() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        try "keep".write(toFile: home + "/mine.txt", atomically: false, encoding: .utf8)
        #expect(chmod(home, 0o777) == 0)
        let status = try sandbox.cli(["status"])
        #expect(status.stdout.contains("writable by other users"))

        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(home): it is writable by other users (mode 777): refused."), "\(result.stdout)")
        #expect(!result.stderr.contains("Waiting"))
        #expect(Self.exists(sandbox.telemetryHome.consentPath))
        #expect(Self.exists(home + "/mine.txt"))
        #expect(!Self.exists(sandbox.telemetryHome.flushLockPath))
    }

    @Test(
        .requires(Prerequisite(missing: "giving a folder to another user needs root") { geteuid() == 0 }),
        arguments: [0o777, 0o700] as [mode_t])
    func purgeLeavesAnotherUsersFolder(mode: mode_t) throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        #expect(chown(home, 65534, 65534) == 0)
        #expect(chmod(home, mode) == 0)
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(home): it is owned by uid 65534, not by the user running (uid 0): refused."), "\(result.stdout)")
        #expect(!result.stderr.contains("Waiting"))
        #expect(Self.exists(sandbox.telemetryHome.consentPath))
    }

    #if os(Linux)  // tmpfs and bind mounts
    /// A file system mounted on a folder inside the home is never entered: its files survive
    /// (they were deleted, then the mount point failed with "NSCocoaErrorDomain error 512").
    @Test(.requires(Prerequisite(missing: "mounting a tmpfs needs root") { TmpfsMount.available }))
    func purgeNeverEntersAMountedFolder() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        let mount = try TmpfsMount(at: home + "/mnt")
        defer { mount.unmount() }
        try "keep".write(toFile: mount.path + "/canary", atomically: false, encoding: .utf8)

        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(home): it holds 1 file this product did not create (mnt)."), "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(try String(contentsOfFile: mount.path + "/canary", encoding: .utf8) == "keep")
        #expect(!Self.exists(sandbox.telemetryHome.consentPath))
    }

    /// A folder of the same file system bound inside the home (`mount --bind`, same device) is
    /// not entered either: the folder it shows keeps its files.
    @Test(.requires(Prerequisite(missing: "mount --bind needs root") { TmpfsMount.available }))
    func purgeNeverEntersABindMount() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        let outside = sandbox.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "keep".write(toFile: outside + "/canary", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: home + "/bound", withIntermediateDirectories: true)
        #expect(TmpfsMount.run(["mount", "--bind", outside, home + "/bound"]))
        defer { TmpfsMount.run(["umount", "-l", home + "/bound"]) }

        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(home): it holds 1 file this product did not create (bound)."), "\(result.stdout) \(result.stderr)")
        #expect(try String(contentsOfFile: outside + "/canary", encoding: .utf8) == "keep")
        #expect(!Self.exists(sandbox.telemetryHome.consentPath))
    }

    /// A file of another file system bound over one of the product's names is not the
    /// product's file: it is left, and said to be on another file system (compared by device).
    @Test(.requires(Prerequisite(missing: "mounting a tmpfs needs root") { TmpfsMount.available }))
    func purgeLeavesAFileOfAnotherFileSystem() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        let mount = try TmpfsMount(at: sandbox.root + "/tmpfs")
        defer { mount.unmount() }
        try "theirs".write(toFile: mount.path + "/log", atomically: false, encoding: .utf8)
        try "product".write(toFile: sandbox.telemetryHome.logPath, atomically: false, encoding: .utf8)
        #expect(TmpfsMount.run(["mount", "--bind", mount.path + "/log", sandbox.telemetryHome.logPath]))
        defer { TmpfsMount.run(["umount", "-l", sandbox.telemetryHome.logPath]) }

        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Left \(home): 1 file on another file system (telemetry.log)."), "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(try String(contentsOfFile: mount.path + "/log", encoding: .utf8) == "theirs")
        #expect(!Self.exists(sandbox.telemetryHome.consentPath))
    }
    #endif

    /// `CFDEV_HOME=.` means `./telemetry` for every command: purge deletes what the product
    /// made there, names the folder by its full path, and leaves a `telemetry` folder that is
    /// not the product's.
    @Test func purgeWithARelativeHome() throws {
        let sandbox = try Sandbox()
        let work = sandbox.root + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "keep".write(toFile: work + "/canary", atomically: false, encoding: .utf8)
        let inWork = { (arguments: [String]) throws -> ProcessResult in
            try ChildRunner.run(
                "/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", work, ProductLocator.cli] + arguments,
                environment: sandbox.environment(["CFDEV_HOME": "."]))
        }
        #expect(try inWork(["on"]).status == 0)
        #expect(Self.exists(work + "/telemetry/consent.json"))
        let deleted = try inWork(["uninstall", "--purge", "--yes"])
        #expect(deleted.status == 0, "\(deleted.stdout) \(deleted.stderr)")
        #expect(deleted.stdout.contains("Deleted \(work)/telemetry."))
        #expect(!Self.exists(work + "/telemetry"))
        #expect(try String(contentsOfFile: work + "/canary", encoding: .utf8) == "keep")

        try FileManager.default.createDirectory(atPath: work + "/telemetry/project", withIntermediateDirectories: true)
        try "keep".write(toFile: work + "/telemetry/project/main.c", atomically: false, encoding: .utf8)
        let left = try inWork(["uninstall", "--purge", "--yes"])
        #expect(left.status == 1)
        #expect(left.stdout.contains("Left \(work)/telemetry: it holds 1 file this product did not create (project)."), "\(left.stdout)")
        #expect(try String(contentsOfFile: work + "/telemetry/project/main.c", encoding: .utf8) == "keep")
    }

    /// `CFDEV_HOME=/` means `/telemetry`, named so (not `//telemetry`); nothing else is touched.
    @Test func purgeWithTheRootAsHome() throws {
        let sandbox = try Sandbox()
        let before = FileKind(atPath: "/telemetry")
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"], env: ["CFDEV_HOME": "/"])
        #expect(!result.stdout.contains("//telemetry"), "\(result.stdout)")
        if before == .absent {
            #expect(result.status == 0)
            #expect(result.stdout.contains("No telemetry home at /telemetry."))
            #expect(FileKind(atPath: "/telemetry") == .absent)
        }
    }

    /// A `flush.lock` that cannot be opened (a link planted there) cannot be held by any flush
    /// either: purge does not wait 30 s for one.
    @Test func purgeDoesNotWaitForALockNobodyCanHold() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let home = sandbox.telemetryHome.directory
        try FileManager.default.createSymbolicLink(atPath: sandbox.telemetryHome.flushLockPath, withDestinationPath: sandbox.root + "/elsewhere")
        let result = try sandbox.cli(["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"])
        #expect(!result.stderr.contains("Waiting"), "\(result.stderr)")
        #expect(result.stdout.contains("Left \(home): it holds 1 file this product did not create (flush.lock)."), "\(result.stdout)")
        #expect(!Self.exists(sandbox.telemetryHome.consentPath))
        #expect(!Self.exists(sandbox.root + "/elsewhere"))
    }

    /// A flush that holds the lock is still waited for: nothing is deleted until it lets go.
    @Test func purgeWaitsForAFlushThatHoldsTheLock() throws {
        let sandbox = try Sandbox()
        try sandbox.setConsent(.on)
        let lock = open(sandbox.telemetryHome.flushLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(lock >= 0 && flock(lock, LOCK_EX) == 0)
        var released = false
        defer { if !released { close(lock) } }
        let out = sandbox.root + "/purge.out", err = sandbox.root + "/purge.err"
        let pid = try ChildRunner.spawnWritingTo(
            stdout: out, stderr: err, ProductLocator.cli, ["uninstall", "--dir", sandbox.shimDir, "--purge", "--yes"],
            environment: sandbox.environment())
        // Until it says it waits (bounded: it gives up waiting on its own after 30 s).
        var said = ""
        for _ in 0..<400 where !said.contains("Waiting for the upload in progress") {
            usleep(50_000)
            said = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        }
        #expect(said.contains("Waiting for the upload in progress"))
        #expect(Self.exists(sandbox.telemetryHome.consentPath))
        close(lock)
        released = true
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("Deleted \(sandbox.telemetryHome.directory)."))
        #expect(!Self.exists(sandbox.telemetryHome.directory))
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
