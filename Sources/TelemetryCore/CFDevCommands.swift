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
        if let cpus = args.flags["cpus"].flatMap(Sizes.count) { data["cpus"] = .int(cpus) }
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

/// Numbers from a command line, which may hold anything: a value that is not a plain
/// number, or is out of range, is recorded as absent, never a crash.
enum Sizes {
    /// The largest number kept: integers up to this survive a JSON reader's doubles exactly.
    static let maxRecorded = (1 << 53) - 1

    /// Sizes as the CF CLI writes them (`512`, `512M`, `1G`, `1024MB`), in megabytes.
    static func megabytes(_ text: String) -> Int? {
        let upper = text.uppercased().trimmingCharacters(in: .whitespaces)
        let digits = upper.prefix { $0.isASCII && $0.isNumber }
        guard let number = count(String(digits)) else { return nil }
        let factor: Int
        switch upper.dropFirst(digits.count) {
        case "", "M", "MB": factor = 1
        case "G", "GB": factor = 1024
        case "T", "TB": factor = 1024 * 1024
        default: return nil
        }
        let (megabytes, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow || megabytes > maxRecorded ? nil : megabytes
    }

    /// A plain non-negative count (`-i 3`, `--cpus 4`) within `maxRecorded`.
    static func count(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let number = Int(text), number <= maxRecorded
        else { return nil }
        return number
    }
}
