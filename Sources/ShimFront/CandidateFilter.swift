import TelemetryRules

/// The shim's first, cheap look at a command line: could it be a catalog command or the
/// shim's own `cf dev telemetry`? Everything else is `exec`ed at once. The exact
/// classification (plugin name, flags) happens later, only for candidates; both read the
/// command words from `CatalogCommands`.
package enum CandidateFilter {
    /// What the front does with a command line.
    package enum Verdict: Equatable, Sendable {
        /// Not in the catalog: run the real `cf` as it is.
        case passThrough
        /// `cf dev telemetry …`: always handled by the shim.
        case telemetryCommand
        /// Possibly recorded, subject to the environment, the terminal and consent.
        case candidate(isDevStart: Bool)
    }

    /// `arguments`: the command line without the program name.
    package static func verdict(_ arguments: ArraySlice<String>) -> Verdict {
        guard let command = arguments.first else { return .passThrough }
        if command == CatalogCommands.devWord {
            guard let sub = arguments.dropFirst().first else { return .passThrough }
            if sub == CatalogCommands.telemetrySubcommand { return .telemetryCommand }
            guard let devCommand = CatalogCommands.devCommand(named: sub) else { return .passThrough }
            return .candidate(isDevStart: devCommand == .start)
        }
        return CatalogCommands.command(named: command) == nil ? .passThrough : .candidate(isDevStart: false)
    }
}
