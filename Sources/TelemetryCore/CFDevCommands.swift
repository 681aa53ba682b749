import Foundation

/// `cf dev …` commands of the catalog and the data each may carry.
enum CFDevCommands {
    /// CF Dev's fixed list of services: their names identify nothing and may be sent.
    static let serviceNames: Set<String> = ["all", "none", "default", "mysql", "rabbitmq", "redis", "scs", "smb"]

    static let startFlags = FlagSpec([
        (["-c", "--cpus"], "cpus", true),
        (["-m", "--memory"], "memory", true),
        (["-f", "--file"], "file", true),
        (["-s", "--services"], "services", true),
        (["-r", "--registries"], "registries", true),
        (["-n", "--no-provision"], "no-provision", false),
        (["-i", "--isolation"], "isolation", true),
    ])

    static func start(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: startFlags)
        var data: EventData = [:]
        if !args.flags.isEmpty { data["flags"] = .strings(args.knownFlagNames) }
        if let cpus = args.flags["cpus"].flatMap({ Int($0) }) { data["cpus"] = .int(cpus) }
        if let memory = args.flags["memory"].flatMap(Sizes.megabytes) { data["memory_mb"] = .int(memory) }
        if let services = args.flags["services"] {
            let known = services.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter(serviceNames.contains)
            if !known.isEmpty { data["services"] = .strings(known.sorted()) }
        }
        return TrackedCommand(event: .startBegin, requiresCFDevTarget: false, data: data)
    }

    static func deployService(_ arguments: [String]) -> TrackedCommand {
        let args = CommandLineArguments(arguments, spec: FlagSpec([]))
        var data: EventData = [:]
        if let name = args.positionals.first?.lowercased(), serviceNames.contains(name) {
            data["service"] = .string(name)
        }
        return TrackedCommand(event: .deployedService, requiresCFDevTarget: false, data: data)
    }

    static func bosh(_ arguments: [String]) -> TrackedCommand {
        var data: EventData = [:]
        if let sub = arguments.first, sub == "env" { data["subcommand"] = .string(sub) }
        return TrackedCommand(event: .bosh, requiresCFDevTarget: false, data: data)
    }
}

/// Sizes as the CF CLI writes them (`512`, `512M`, `1G`, `1024MB`), in megabytes.
enum Sizes {
    static func megabytes(_ text: String) -> Int? {
        let upper = text.uppercased().trimmingCharacters(in: .whitespaces)
        let digits = upper.prefix { $0.isNumber }
        guard let number = Int(digits), number >= 0 else { return nil }
        switch upper.dropFirst(digits.count) {
        case "", "M", "MB": return number
        case "G", "GB": return number * 1024
        case "T", "TB": return number * 1024 * 1024
        default: return nil
        }
    }
}
