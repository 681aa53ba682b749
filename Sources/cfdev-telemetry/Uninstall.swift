import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore

/// `cfdev-telemetry uninstall [--purge [--yes]]`: removes the `cf` shim link that
/// `install-shim` (or a release's `install.sh`) made and says which PATH line to remove; with
/// `--purge`, after a confirmation on a terminal or `--yes`, deletes what this product keeps in
/// the telemetry home too, and the folder once nothing else is in it (`TelemetryHomeRemoval`).
/// It records no event and uploads nothing, and it never creates the telemetry home.
struct Uninstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the cf shim link; with --purge, delete the telemetry files too.",
        discussion: """
            Only a link to this installation's shim is removed, or one to a release's shim
            (.../lib/cfdev-telemetry/bin/cf) whose install is gone. Nothing is recorded or uploaded:
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

    func run() async throws {
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
        let outcome = ShimLink.remove(folder + "/cf", ifItLinksTo: shim)
        switch outcome {
        case .removed, .removedGone:
            if case .removedGone(let destination) = outcome {
                print("Removed \(folder)/cf (a link to the cf shim of an install that is gone, \(destination)).")
            } else {
                print("Removed \(folder)/cf (the cf shim).")
            }
            if folder == defaultFolder { _ = rmdir(folder) }  // only when empty
            print("Remove this line from your shell profile (~/.bashrc, ~/.zshrc, ~/.profile):")
            print("export PATH=\"\(folder):$PATH\"")
        case .absent:
            print("No cf shim link at \(folder)/cf.")
        case .notOurs(let reason):
            print("Left \(folder)/cf: \(reason).")
            leftSomething = true
        }
        if purge, await !TelemetryHomeRemoval.run(home, confirmed: yes) { leftSomething = true }
        if leftSomething { throw ExitCode(1) }
    }
}
