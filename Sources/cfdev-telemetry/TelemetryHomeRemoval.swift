import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore
import TelemetryUpload

/// Deleting the telemetry home for `uninstall --purge`: only what this product writes there,
/// by name (`TelemetryHome.isProductFileName`), and then the folder if nothing else is left in
/// it. The folder must pass the check every other command applies (`PrivateDirectory`: a real
/// folder, the user's own, writable by nobody else); inside it nothing is followed (links are
/// not the product's and are left), nothing is entered (the product makes no folders), and
/// nothing on another file system (a mount) is touched. What is left is said in one line.
enum TelemetryHomeRemoval {
    /// True when the home is gone (or was never there); false when something was kept.
    static func run(_ home: TelemetryHome, confirmed: Bool) async -> Bool {
        let path = home.directory
        let name = shown(path)
        switch FileKind(atPath: path) {
        case .absent:
            print("No telemetry home at \(name).")
            return true
        case .unknown:
            printError("Error: cannot look at \(name) (\(SafeFile.describe(errno))); left it alone")
            return false
        case .directory, .symbolicLink, .regular, .special:
            break
        }
        if let problem = PrivateDirectory.check(path) {
            print("Left \(name): it \(problem.reason).")
            return false
        }
        guard confirmed || askOnTerminal("Delete what cfdev-telemetry keeps in \(name) (pending events, consent, settings, log)? [y/N] ")
        else {
            print("Kept \(name).")
            return false
        }
        let lock = await waitForRunningFlush(home)
        defer { withExtendedLifetime(lock) {} }

        let folder = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else {
            printError("Error: cannot open \(name) (\(SafeFile.describe(errno))); left it alone")
            return false
        }
        defer { close(folder) }
        var info = stat()
        guard fstat(folder, &info) == 0 else {
            printError("Error: cannot look at \(name) (\(SafeFile.describe(errno))); left it alone")
            return false
        }
        // The folder opened is the folder checked, even if the path changed meanwhile.
        if let problem = PrivateDirectory.check(descriptor: folder, path: path) {
            print("Left \(name): it \(problem.reason).")
            return false
        }
        // An erasure request the store does not have yet is the user's own "forget me": it is
        // kept (deleting it would cancel it), and the folder with it.
        let pendingErasure = ((try? ErasureRecord.load(home: home)) ?? nil)?.isPending == true
        // A recorder may add a file while the folder is emptied: look again, a few times.
        var left: [String] = []
        for attempt in 0..<removalAttempts {
            left = sweep(folder, device: info.st_dev, keeping: pendingErasure ? [ErasureRecord.fileName] : [])
            guard left.isEmpty else { break }
            if rmdir(path) == 0 {
                print("Deleted \(name).")
                return true
            }
            let code = errno
            if code == ENOENT { break }
            guard code == ENOTEMPTY || code == EEXIST, attempt + 1 < removalAttempts else {
                print("Left \(name): it cannot be removed (\(SafeFile.describe(code))).")
                return false
            }
            usleep(100_000)
        }
        if left.isEmpty {
            print("Deleted \(name).")
            return true
        }
        print("Left \(name): \(left.joined(separator: "; ")).")
        return false
    }

    /// Deletes the product's regular files in the open folder `folder` (on file system
    /// `device`); returns what it left, each kind in a few words (none when it left nothing).
    /// `keeping`: product files left in place on purpose (a pending erasure request).
    static func sweep(_ folder: Int32, device: dev_t, keeping: Set<String> = []) -> [String] {
        let listing = entries(folder)
        var kept: [String] = []
        var foreign: [String] = []
        var elsewhere: [String] = []
        var failed: [String] = []
        for entry in listing.names {
            guard TelemetryHome.isProductFileName(entry) else {
                foreign.append(entry)
                continue
            }
            guard !keeping.contains(entry) else {
                kept.append(entry)
                continue
            }
            var info = stat()
            guard fstatat(folder, entry, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                let code = errno
                if code != ENOENT { failed.append("\(display(entry)) (\(SafeFile.describe(code)))") }
                continue
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                foreign.append(entry)  // the product makes regular files only: a link, FIFO or folder is someone else's
                continue
            }
            guard info.st_dev == device else {
                elsewhere.append(entry)
                continue
            }
            if unlinkat(folder, entry, 0) != 0 {
                let code = errno
                if code != ENOENT { failed.append("\(display(entry)) (\(SafeFile.describe(code)))") }
            }
        }
        var left: [String] = []
        if !kept.isEmpty {
            left.append(
                "it holds this machine's erasure request, which has not reached the store yet (\(names(kept))): "
                    + "run `cfdev-telemetry flush` to send it, then purge again")
        }
        if let problem = listing.problem { left.append(problem) }
        if !foreign.isEmpty {
            left.append("it holds \(foreign.count) \(foreign.count == 1 ? "file" : "files") this product did not create (\(names(foreign)))")
        }
        if listing.truncated { left.append("it holds more than \(maxEntries) files (only those were looked at)") }
        if !elsewhere.isEmpty {
            left.append("\(elsewhere.count) \(elsewhere.count == 1 ? "file" : "files") on another file system (\(names(elsewhere)))")
        }
        if !failed.isEmpty { left.append("cannot delete \(failed.sorted().joined(separator: ", "))") }
        return left
    }

    /// The names in the open folder, at most `maxEntries` of them (never `.` or `..`).
    static func entries(_ folder: Int32) -> (names: [String], truncated: Bool, problem: String?) {
        // A new open file description each time, so each listing starts at the beginning.
        let again = openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard again >= 0, let stream = fdopendir(again) else {
            let problem = "its files cannot be listed (\(SafeFile.describe(errno)))"
            return ([], false, problem)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            guard names.count < maxEntries else { return (names, true, nil) }
            names.append(name)
        }
        return (names, false, nil)
    }

    /// A few names, sorted and made printable on one line: `a, b, c and 7 more`.
    static func names(_ list: [String]) -> String {
        let sorted = list.map(display).sorted()
        let shownCount = min(sorted.count, maxNamesShown)
        let head = sorted.prefix(shownCount).joined(separator: ", ")
        return sorted.count > shownCount ? head + " and \(sorted.count - shownCount) more" : head
    }

    static func display(_ name: String) -> String {
        DisplayText.sanitized(name, limit: 80)
    }

    /// The folder as the user should read it: from `/` (a relative `CFDEV_HOME` is taken from the
    /// current folder, as every command takes it), on one line.
    static func shown(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/") {
            let cwd = FileManager.default.currentDirectoryPath
            var relative = Substring(path)
            while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
            absolute = (cwd == "/" ? "" : cwd) + "/" + relative
        }
        return DisplayText.sanitized(absolute)
    }

    /// A flush in progress (the shim starts them in the background) finishes first: it holds the
    /// flush lock until it is done, and every flush has a hard deadline. When the lock cannot be
    /// taken at all (no lock file can be made there), no flush can hold it either: no waiting.
    static func waitForRunningFlush(_ home: TelemetryHome) async -> FlushLock? {
        do {
            if let lock = try FlushLock.acquire(home: home) { return lock }
            printError("Waiting for the upload in progress to finish (at most \(Int(lockWait)) s)…")
            return try await FlushLock.acquire(home: home, waitingUntil: Date() + lockWait)
        } catch {
            return nil
        }
    }

    /// Waiting for a running flush: at most 30 s (a background flush's own bound is shorter).
    static let lockWait: TimeInterval = 30
    static let removalAttempts = 10
    /// The most entries of the folder looked at, and the most names printed.
    static let maxEntries = 10_000
    static let maxNamesShown = 10

    /// Asks on stderr and reads one answer line from the terminal (at most 64 bytes); only
    /// `y` or `yes` agrees, end of input or anything else means no.
    static func askOnTerminal(_ question: String) -> Bool {
        SafeFile.writeAll(2, Array(question.utf8))
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while answer.count < 64, read(STDIN_FILENO, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            answer.append(byte)
        }
        let text = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
        return text == "y" || text == "yes"
    }
}
