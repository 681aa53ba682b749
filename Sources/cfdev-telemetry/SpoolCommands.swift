import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules

/// `cfdev-telemetry show`: exactly what would be uploaded.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the pending events, exactly as they would be uploaded.")

    @Flag(help: "Print one envelope per line (NDJSON), byte for byte as uploaded.")
    var json = false

    func run() throws {
        let context = Context()
        var count = 0
        // Read-only and creating nothing: `show` works on a read-only home and before consent.
        if let refusal = context.home.refusal() { printError("Warning: \(refusal)") }
        try Spool.openExisting(home: context.home)?.forEachPendingLine { line in
            count += 1
            if json {
                print(line)
            } else if let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                let event = object["event"] as? String ?? "?"
                let time = object["timestamp"] as? String ?? "?"
                let payload =
                    (object["data"] as? [String: Any]).flatMap {
                        try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])
                    }.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                print("\(time)  \(event.padding(toLength: 30, withPad: " ", startingAt: 0))  \(payload)")
            }
        }
        if !json {
            print(count == 0 ? "No pending events." : "\(count) pending event\(count == 1 ? "" : "s"). Use --json for the exact upload format.")
        }
    }
}

/// `cfdev-telemetry purge`: delete pending events without sending them.
struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete every pending event without sending it.")

    func run() throws {
        let deleted = try Context().withSpool { try $0.purge() }
        print("Deleted \(deleted) pending event\(deleted == 1 ? "" : "s").")
    }
}

/// `cfdev-telemetry install-shim`: link the `cf` shim into a folder for the front of PATH.
struct InstallShim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-shim",
        abstract: "Link the cf shim into a folder that should come first on PATH.",
        discussion: """
            A link there to a release's shim (.../lib/cfdev-telemetry/bin/cf) of another install, or of one that is gone, is replaced; anything else at that place is left, and said.
            """)

    @Option(help: "The shim folder (default: $CFDEV_HOME/shims, ~/.cfdev/shims).")
    var dir: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let folder = dir ?? (TelemetryHome(environment: environment).directory.replacingSuffix("/telemetry", with: "/shims"))
        // What is found on this machine is a runtime failure (exit 1, no usage text).
        guard let own = OwnExecutable.path() else { throw CommandFailure("cannot find this executable's own path") }
        let shim = (own as NSString).deletingLastPathComponent + "/cf"
        guard FileManager.default.isExecutableFile(atPath: shim) else {
            throw CommandFailure("the cf shim is not beside \(own); build or install both executables together")
        }
        let link = folder + "/cf"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("cannot install \(link): \(error.localizedDescription)")
        }
        switch try ShimLink.place(link, to: shim) {
        case .linked, .alreadyThere:
            print("Installed \(link) -> \(shim)")
        case .replaced(let previous, let gone):
            let whose = gone ? "an install that is gone" : "another install, which is left as it was"
            print("Installed \(link) -> \(shim) (it linked to \(previous), the shim of \(whose))")
        }
        if shim.contains("/.build/") {
            print(
                "Note: this links into this clone's build folder, so it lasts only as long as that build does;"
                    + " for a lasting install, install a release (README, \"Install a release\").")
        }
        print("Add this line to your shell profile (~/.bashrc, ~/.zshrc) so that it comes first on PATH:")
        print("export PATH=\"\(folder):$PATH\"")
    }
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self + replacement
    }
}
