import TelemetryRules

/// The shim's first, cheap look at a command line: could it be a catalog command or the
/// shim's own `cf dev telemetry`? Everything else is `exec`ed at once. The exact
/// classification (aliases, plugin name, flags) happens later, only for candidates.
public enum CandidateFilter {
    /// What the front does with a command line.
    public enum Verdict: Equatable, Sendable {
        /// Not in the catalog: run the real `cf` as it is.
        case passThrough
        /// `cf dev telemetry …`: always handled by the shim.
        case telemetryCommand
        /// Possibly recorded, subject to the environment, the terminal and consent.
        case candidate(isDevStart: Bool)
    }

    /// `arguments`: the command line without the program name.
    public static func verdict(_ arguments: ArraySlice<String>) -> Verdict {
        guard let command = arguments.first else { return .passThrough }
        if command == "dev" {
            guard let sub = arguments.dropFirst().first else { return .passThrough }
            if sub == CatalogCommands.telemetrySubcommand { return .telemetryCommand }
            return CatalogCommands.devSubcommands.contains(sub) ? .candidate(isDevStart: sub == "start") : .passThrough
        }
        return CatalogCommands.commands.contains(command) ? .candidate(isDevStart: false) : .passThrough
    }
}
