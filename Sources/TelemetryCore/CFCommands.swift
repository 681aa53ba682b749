/// CF CLI commands of the catalog (not `cf dev …`): recorded only when targeting CF Dev.
/// Names become salted hashes; passwords, JSON parameters and paths are never kept.
enum CFCommands {
    static let pushFlags = FlagSpec([
        (["-b", "--buildpack"], "buildpack", true),
        (["-c", "--start-command"], "start-command", true),
        (["-d", "--domain"], "domain", true),
        (["-f", "--manifest"], "manifest", true),
        (["-i", "--instances"], "instances", true),
        (["-k", "--disk"], "disk", true),
        (["-m", "--memory"], "memory", true),
        (["-n", "--hostname"], "hostname", true),
        (["-o", "--docker-image"], "docker-image", true),
        (["-p", "--path"], "path", true),
        (["-s", "--stack"], "stack", true),
        (["-t", "--app-start-timeout"], "app-start-timeout", true),
        (["-u", "--health-check-type"], "health-check-type", true),
        (["--docker-username"], "docker-username", true),
        (["--droplet"], "droplet", true),
        (["--endpoint"], "endpoint", true),
        (["--route-path"], "route-path", true),
        (["--strategy"], "strategy", true),
        (["--var"], "var", true),
        (["--vars-file"], "vars-file", true),
        (["--no-hostname"], "no-hostname", false),
        (["--no-manifest"], "no-manifest", false),
        (["--no-route"], "no-route", false),
        (["--no-start"], "no-start", false),
        (["--no-wait"], "no-wait", false),
        (["--random-route"], "random-route", false),
        (["--task"], "task", false),
    ])

    static func push(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: pushFlags)
        var data = flagData(args)
        if let memory = args.flags["memory"].flatMap(Sizes.megabytes) { data["memory_mb"] = .int(memory) }
        if let disk = args.flags["disk"].flatMap(Sizes.megabytes) { data["disk_mb"] = .int(disk) }
        if let instances = args.flags["instances"].flatMap(Sizes.count) { data["instances"] = .int(instances) }
        return TrackedCommand(
            event: .appCreated, requiresCFDevTarget: true, data: data,
            namesToHash: names(["app_hash": args.positionals.first]))
    }

    static let createRouteFlags = FlagSpec([
        (["-n", "--hostname"], "hostname", true),
        (["--path"], "path", true),
        (["--port"], "port", true),
        (["--random-port"], "random-port", false),
    ])

    static func createRoute(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: createRouteFlags)
        // The route is its host, domain and path together; only their salted hash is kept.
        let route = ([args.flags["hostname"] ?? ""] + args.positionals + [args.flags["path"] ?? ""]).joined(separator: "|")
        return TrackedCommand(
            event: .routeCreated, requiresCFDevTarget: true, data: flagData(args),
            namesToHash: names(["route_hash": args.positionals.isEmpty ? nil : route]))
    }

    static let createServiceFlags = FlagSpec([
        (["-b", "--broker"], "broker", true),
        (["-c", "--configuration"], "configuration", true),
        (["-t", "--tags"], "tags", true),
        (["--wait", "-w"], "wait", false),
    ])

    /// Marketplace offerings of CF Dev's own services: catalog values, sent as they are.
    static let cfdevServiceOfferings: Set<String> = [
        "p-mysql", "p.mysql", "p-rabbitmq", "p.rabbitmq", "p-redis", "p.redis",
        "p-config-server", "p-service-registry", "p-circuit-breaker-dashboard", "p.smb", "smbvolume",
    ]

    static func createService(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: createServiceFlags)
        var data = flagData(args)
        if let offering = args.positionals.first?.lowercased(), cfdevServiceOfferings.contains(offering) {
            data["service"] = .string(offering)
        }
        return TrackedCommand(
            event: .serviceCreated, requiresCFDevTarget: true, data: data,
            namesToHash: names(["instance_hash": args.positionals.dropFirst(2).first]))
    }

    static let cupsFlags = FlagSpec([
        (["-p"], "credentials", true),
        (["-l"], "syslog-drain-url", true),
        (["-r"], "route-service-url", true),
        (["-t"], "tags", true),
    ])

    static func createUserProvidedService(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: cupsFlags)
        return TrackedCommand(
            event: .userProvidedServiceCreated, requiresCFDevTarget: true, data: flagData(args),
            namesToHash: names(["instance_hash": args.positionals.first]))
    }

    static let bindServiceFlags = FlagSpec([
        (["-c"], "configuration", true),
        (["--binding-name"], "binding-name", true),
        (["--wait", "-w"], "wait", false),
    ])

    static func bindService(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: bindServiceFlags)
        return TrackedCommand(
            event: .appBoundToService, requiresCFDevTarget: true, data: flagData(args),
            namesToHash: names([
                "app_hash": args.positionals.first,
                "instance_hash": args.positionals.dropFirst().first,
            ]))
    }

    static let restageFlags = FlagSpec([(["--strategy"], "strategy", true), (["--no-wait"], "no-wait", false)])
    static let createOrgFlags = FlagSpec([(["-q", "--quota"], "quota", true)])
    static let createSpaceFlags = FlagSpec([(["-o"], "org", true), (["-q", "--quota"], "quota", true)])
    static let createUserFlags = FlagSpec([(["--origin"], "origin", true), (["--password-prompt"], "password-prompt", false)])

    /// Commands whose only name is their first positional argument.
    static func named(_ event: EventName, _ key: String, _ arguments: [String], _ spec: FlagSpec) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: spec)
        return TrackedCommand(
            event: event, requiresCFDevTarget: true, data: flagData(args),
            namesToHash: names([key: args.positionals.first]))
    }

    /// `cf create-user NAME PASSWORD`: the user name is hashed; the password is never kept.
    static func createUser(_ arguments: [String]) -> TrackedCommand {
        named(.userCreated, "user_hash", arguments, createUserFlags)
    }

    /// The names of the allow-listed flags present (never their values).
    static func flagData(_ args: CommandLineArguments) -> EventData {
        args.flags.isEmpty ? [:] : ["flags": .strings(args.knownFlagNames)]
    }

    static func names(_ pairs: [String: String?]) -> [String: String] {
        pairs.compactMapValues { $0 }
    }
}
