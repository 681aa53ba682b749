/// The shim's first, cheap look at a command line: could it be a catalog command or the
/// shim's own `cf dev telemetry`? Everything else is `exec`ed at once. The exact
/// classification (aliases, plugin name, flags) happens later, only for candidates.
public enum CandidateFilter {
    /// Commands that can map to a catalog event (SPEC §2), with their aliases.
    static let commands: Set<String> = [
        "push", "p", "create-route", "create-service", "cs", "create-user-provided-service", "cups",
        "bind-service", "bs", "restage", "rg", "create-org", "co", "create-space", "csp", "create-user",
        "uninstall-plugin", "CLI-MESSAGE-UNINSTALL",
    ]
    /// `cf dev` subcommands that are recorded.
    static let devSubcommands: Set<String> = ["start", "stop", "deploy-service", "bosh"]

    /// What the front does with a command line.
    public enum Verdict: Equatable, Sendable {
        /// Not in the catalog: run the real `cf` as it is.
        case passThrough
        /// `cf dev telemetry …`: always handled by the shim.
        case telemetryCommand
        /// Possibly recorded, subject to the environment, the terminal and consent.
        case candidate(isDevStart: Bool)
    }

    public static func verdict(_ arguments: ArraySlice<String>) -> Verdict {
        guard let command = arguments.first else { return .passThrough }
        if command == "dev" {
            guard let sub = arguments.dropFirst().first else { return .passThrough }
            if sub == "telemetry" { return .telemetryCommand }
            return devSubcommands.contains(sub) ? .candidate(isDevStart: sub == "start") : .passThrough
        }
        return commands.contains(command) ? .candidate(isDevStart: false) : .passThrough
    }
}
