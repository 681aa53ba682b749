/// Maps a `cf` command line (without the leading `cf`) to the catalog of events, with the
/// CLI's aliases. Anything else passes through untouched and unrecorded.
public enum CommandClassifier {
    public static func classify(_ arguments: [String]) -> ShimAction {
        guard let command = arguments.first else { return .passThrough }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "dev": return classifyDev(rest)
        case "CLI-MESSAGE-UNINSTALL": return .tracked(TrackedCommand(event: .uninstall, requiresCFDevTarget: false))
        case "uninstall-plugin":
            let args = CommandLineArguments(rest, spec: FlagSpec([]))
            guard args.positionals.first?.lowercased() == "cfdev" else { return .passThrough }
            return .tracked(TrackedCommand(event: .uninstall, requiresCFDevTarget: false))
        case "push", "p": return .tracked(CFCommands.push(rest))
        case "create-route": return .tracked(CFCommands.createRoute(rest))
        case "create-service", "cs": return .tracked(CFCommands.createService(rest))
        case "create-user-provided-service", "cups": return .tracked(CFCommands.createUserProvidedService(rest))
        case "bind-service", "bs": return .tracked(CFCommands.bindService(rest))
        case "restage", "rg": return .tracked(CFCommands.named(.appRestage, "app_hash", rest, CFCommands.restageFlags))
        case "create-org", "co": return .tracked(CFCommands.named(.orgCreated, "org_hash", rest, CFCommands.createOrgFlags))
        case "create-space", "csp": return .tracked(CFCommands.named(.spaceCreated, "space_hash", rest, CFCommands.createSpaceFlags))
        case "create-user": return .tracked(CFCommands.createUser(rest))
        default: return .passThrough
        }
    }

    static func classifyDev(_ arguments: [String]) -> ShimAction {
        guard let subcommand = arguments.first else { return .passThrough }
        let rest = Array(arguments.dropFirst())
        switch subcommand {
        case "start": return .tracked(CFDevCommands.start(rest))
        case "stop": return .tracked(TrackedCommand(event: .stop, requiresCFDevTarget: false))
        case "deploy-service": return .tracked(CFDevCommands.deployService(rest))
        case "bosh": return .tracked(CFDevCommands.bosh(rest))
        case "telemetry": return .telemetry(telemetrySubcommand(rest))
        default: return .passThrough
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
