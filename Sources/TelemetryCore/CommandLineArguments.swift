/// A `cf` command line split into flags and positional arguments. Values are kept only in
/// memory, to be reduced to allow-listed data or salted hashes; nothing here is stored.
struct CommandLineArguments {
    /// Flags present, by canonical name (`-m` → `memory`), with their value if they take one.
    var flags: [String: String] = [:]
    var positionals: [String] = []
    /// Canonical names of the flags present that are in the allow-list, sorted.
    var knownFlagNames: [String] { flags.keys.sorted() }

    /// Splits `arguments` using `spec`: flags not in the spec are skipped (and so is the
    /// value following them, unless it looks like a flag); `--` ends the flags.
    init(_ arguments: [String], spec: FlagSpec) {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if onlyPositionals || token == "-" || !token.hasPrefix("-") {
                positionals.append(token)
                continue
            }
            if token == "--" {
                onlyPositionals = true
                continue
            }
            var name = token
            var inlineValue: String?
            if let equals = token.firstIndex(of: "=") {
                name = String(token[..<equals])
                inlineValue = String(token[token.index(after: equals)...])
            }
            let flag = spec.flag(named: name)
            let takesValue = flag?.takesValue ?? (index < arguments.count && !arguments[index].hasPrefix("-"))
            var value = inlineValue
            if takesValue && value == nil && index < arguments.count {
                value = arguments[index]
                index += 1
            }
            if let flag {
                flags[flag.canonical] = value ?? ""
            }
        }
    }
}

/// The flags a command is known to accept: short and long spellings, canonical name, and
/// whether a value follows. Only these names may be sent.
struct FlagSpec {
    struct Flag {
        let canonical: String
        let takesValue: Bool
    }

    private var byName: [String: Flag] = [:]

    /// `entries`: (spellings, canonical, takes a value).
    init(_ entries: [([String], String, Bool)]) {
        for (spellings, canonical, takesValue) in entries {
            for spelling in spellings {
                byName[spelling] = Flag(canonical: canonical, takesValue: takesValue)
            }
        }
    }

    func flag(named name: String) -> Flag? {
        byName[name]
    }
}
