import TelemetryRules

/// Maps a `cf` command line (without the leading `cf`) to the catalog of events, with the
/// CLI's aliases. Anything else passes through untouched and unrecorded.
package enum CommandClassifier {
    package static func classify(_ arguments: [String]) -> ShimAction {
        guard let word = arguments.first else { return .passThrough }
        let rest = Array(arguments.dropFirst())
        if word == CatalogCommands.devWord { return classifyDev(rest) }
        guard let command = CatalogCommands.command(named: word) else { return .passThrough }
        return classify(command, rest).map(ShimAction.tracked) ?? .passThrough
    }

    /// What `command` records, or nil when these arguments make it not the catalog's.
    static func classify(_ command: CatalogCommand, _ rest: [String]) -> TrackedCommand? {
        switch command {
        case .uninstallMessage: return TrackedCommand(event: .uninstall, requiresCFDevTarget: false)
        case .uninstallPlugin:
            let args = CommandLineArguments(rest, spec: FlagSpec([]))
            guard args.positionals.first?.lowercased() == "cfdev" else { return nil }
            return TrackedCommand(event: .uninstall, requiresCFDevTarget: false)
        case .push: return CFCommands.push(rest)
        case .createRoute: return CFCommands.createRoute(rest)
        case .createService: return CFCommands.createService(rest)
        case .createUserProvidedService: return CFCommands.createUserProvidedService(rest)
        case .bindService: return CFCommands.bindService(rest)
        case .restage: return CFCommands.named(.appRestage, "app_hash", rest, CFCommands.restageFlags)
        case .createOrg: return CFCommands.named(.orgCreated, "org_hash", rest, CFCommands.createOrgFlags)
        case .createSpace: return CFCommands.named(.spaceCreated, "space_hash", rest, CFCommands.createSpaceFlags)
        case .createUser: return CFCommands.createUser(rest)
        }
    }

    static func classifyDev(_ arguments: [String]) -> ShimAction {
        guard let word = arguments.first else { return .passThrough }
        let rest = Array(arguments.dropFirst())
        if word == CatalogCommands.telemetrySubcommand { return .telemetry(telemetrySubcommand(rest)) }
        switch CatalogCommands.devCommand(named: word) {
        case .start: return .tracked(CFDevCommands.start(rest))
        case .stop: return .tracked(TrackedCommand(event: .stop, requiresCFDevTarget: false))
        case .deployService: return .tracked(CFDevCommands.deployService(rest))
        case .bosh: return .tracked(CFDevCommands.bosh(rest))
        case nil: return .passThrough
        }
    }

    static func telemetrySubcommand(_ arguments: [String]) -> TelemetrySubcommand {
        switch arguments {
        case []: return .status
        case ["--on"], ["-on"]: return .on
        case ["--off"], ["-off"]: return .off
        case ["--forget"]: return .forget(confirmed: false)
        case ["--forget", "--yes"], ["--yes", "--forget"]: return .forget(confirmed: true)
        case ["--help"], ["-h"], ["help"]: return .help
        default:
            return .invalid("cf dev telemetry: expected no argument, --on, --off, --forget [--yes] or --help")
        }
    }
}
