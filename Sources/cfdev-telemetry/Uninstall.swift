import ArgumentParser
import Foundation
import ShimFront
import TelemetryCore
import TelemetryRules
import TelemetryUpload

/// `cfdev-telemetry uninstall [--purge [--yes]]`: removes the `cf` shim link that
/// `install-shim` (or a release's `install.sh`) made and says which PATH line to remove; with
/// `--purge`, after a confirmation on a terminal or `--yes`, deletes the telemetry home too.
/// It records no event and uploads nothing, and it never creates the telemetry home.
struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the cf shim link; with --purge, delete the telemetry home too.",
        discussion: """
            Only a link to this installation's shim is removed. Nothing is recorded or uploaded:
            run `cfdev-telemetry flush` first to send pending events, or `cfdev-telemetry off` to
            turn telemetry off. --purge deletes the telemetry home ($CFDEV_HOME/telemetry): pending
            events, consent, settings and the log. It asks first on a terminal; elsewhere it
            needs --yes.
            """)

    @Option(help: "The shim folder (default: $CFDEV_HOME/shims, ~/.cfdev/shims).")
    var dir: String?

    @Flag(help: "Also delete the telemetry home.")
    var purge = false

    @Flag(name: [.customShort("y"), .long], help: "Delete with --purge without asking.")
    var yes = false

    func validate() throws {
        if yes && !purge { throw ValidationError("--yes only goes with --purge") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let home = TelemetryHome(environment: environment)
        if purge && !yes && isatty(STDIN_FILENO) != 1 {
            throw CommandFailure("--purge deletes \(home.directory): run it on a terminal to confirm, or add --yes")
        }
        let defaultFolder = home.directory.replacingSuffix("/telemetry", with: "/shims")
        let folder = dir ?? defaultFolder
        guard let own = RealCFLocator.ownExecutable() else { throw CommandFailure("cannot find this executable's own path") }
        let shim = (own as NSString).deletingLastPathComponent + "/cf"

        var leftSomething = false
        switch ShimLink.remove(folder + "/cf", ifItLinksTo: shim) {
        case .removed:
            print("Removed \(folder)/cf (the cf shim).")
            if folder == defaultFolder { _ = rmdir(folder) }  // only when empty
            print("Remove this line from your shell profile (~/.bashrc, ~/.zshrc, ~/.profile):")
            print("export PATH=\"\(folder):$PATH\"")
        case .absent:
            print("No cf shim link at \(folder)/cf.")
        case .notOurs(let reason):
            print("Left \(folder)/cf: \(reason).")
            leftSomething = true
        }
        if purge && !TelemetryHomeRemoval.run(home, confirmed: yes) { leftSomething = true }
        if leftSomething { throw ExitCode(1) }
    }
}

/// Removing the shim's link from the shim folder, and nothing that merely has its name.
enum ShimLink {
    enum Outcome: Equatable {
        case removed
        case absent
        case notOurs(String)
    }

    /// Unlinks `link` when it is a symbolic link to `shim` (the same path, or the same file).
    static func remove(_ link: String, ifItLinksTo shim: String) -> Outcome {
        switch FileKind(atPath: link) {
        case .absent: return .absent
        case .symbolicLink: break
        default: return .notOurs("it is not a link to the shim")
        }
        guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else {
            return .notOurs("its link cannot be read")
        }
        let resolved = realPath(link)
        guard destination == shim || (resolved != nil && resolved == realPath(shim)) else {
            return .notOurs("it links to \(destination), not to this installation's shim \(shim)")
        }
        guard unlink(link) == 0 else { return .notOurs("it cannot be removed (\(String(cString: strerror(errno))))") }
        return .removed
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Deleting the telemetry home for `uninstall --purge`: a link in its place is removed, never
/// followed, and so is every link inside it.
enum TelemetryHomeRemoval {
    /// True when the home is gone (or was never there); false when it was kept.
    static func run(_ home: TelemetryHome, confirmed: Bool) -> Bool {
        let path = home.directory
        switch FileKind(atPath: path) {
        case .absent:
            print("No telemetry home at \(path).")
            return true
        case .symbolicLink:
            guard unlink(path) == 0 else {
                printError("Error: cannot remove the link \(path) (\(String(cString: strerror(errno))))")
                return false
            }
            print("Removed the link \(path) (what it pointed to was left alone).")
            return true
        case .directory:
            break
        case .unknown:
            printError("Error: cannot look at \(path) (\(String(cString: strerror(errno)))); left it alone")
            return false
        case .regular, .special:
            printError("Error: \(path) is not a folder; left it alone")
            return false
        }
        guard confirmed || askOnTerminal("Delete \(path) and everything in it (pending events, consent, settings, log)? [y/N] ")
        else {
            print("Kept \(path).")
            return false
        }
        // A flush in progress (the shim starts them in the background) finishes first: it holds
        // the flush lock until it is done, and every flush has a hard deadline.
        var lock: FlushLock? = nil
        for attempt in 0..<lockAttempts {
            lock = try? FlushLock.acquire(home: home)
            if lock != nil { break }
            if attempt == 0 { printError("Waiting for the upload in progress to finish (at most 30 s)…") }
            usleep(100_000)
        }
        // A recorder may still add a file while the folder is emptied: try again, a few times.
        var failure: Error?
        for attempt in 0..<removalAttempts {
            do {
                try FileManager.default.removeItem(atPath: path)
                failure = nil
                break
            } catch {
                failure = error
                if FileKind(atPath: path) == .absent { failure = nil; break }
                if attempt + 1 < removalAttempts { usleep(100_000) }
            }
        }
        withExtendedLifetime(lock) {}
        if let failure {
            printError("Error: cannot delete \(path): \(failure.localizedDescription)")
            return false
        }
        print("Deleted \(path).")
        return true
    }

    /// Waiting for a running flush: at most 30 s (a background flush's own bound is shorter).
    static let lockAttempts = 300
    static let removalAttempts = 10

    /// Asks on stderr and reads one answer line from the terminal (at most 64 bytes); only
    /// `y` or `yes` agrees, end of input or anything else means no.
    static func askOnTerminal(_ question: String) -> Bool {
        FileHandle.standardError.write(Data(question.utf8))
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while answer.count < 64, read(STDIN_FILENO, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            answer.append(byte)
        }
        let text = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
        return text == "y" || text == "yes"
    }
}
