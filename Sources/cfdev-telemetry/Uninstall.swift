import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryUpload

/// `cfdev-telemetry uninstall [--purge [--yes]]`: removes the `cf` shim link that
/// `install-shim` (or a release's `install.sh`) made and says which PATH line to remove; with
/// `--purge`, after a confirmation on a terminal or `--yes`, deletes what this product keeps in
/// the telemetry home too, and the folder once nothing else is in it (`TelemetryHomeRemoval`).
/// It records no event and uploads nothing, and it never creates the telemetry home.
struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the cf shim link; with --purge, delete the telemetry files too.",
        discussion: """
            Only a link to this installation's shim is removed. Nothing is recorded or uploaded:
            run `cfdev-telemetry flush` first to send pending events, or `cfdev-telemetry off` to
            turn telemetry off. --purge deletes what this product keeps in the telemetry home
            ($CFDEV_HOME/telemetry): pending events, consent, settings and the log, by name, then
            the folder if nothing else is in it; anything else is left, and said. A folder that
            other commands refuse (a link, another user's, writable by others) is left alone.
            It asks first on a terminal; elsewhere it needs --yes.
            """)

    @Option(help: "The shim folder (default: $CFDEV_HOME/shims, ~/.cfdev/shims).")
    var dir: String?

    @Flag(help: "Also delete what this product keeps in the telemetry home.")
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
            throw CommandFailure(
                "--purge deletes what cfdev-telemetry keeps in \(TelemetryHomeRemoval.shown(home.directory)): run it on a terminal to confirm, or add --yes")
        }
        let defaultFolder = home.directory.replacingSuffix("/telemetry", with: "/shims")
        let folder = dir ?? defaultFolder
        guard let own = OwnExecutable.path() else { throw CommandFailure("cannot find this executable's own path") }
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
