/// Where the value of one setting came from, for `status` and `doctor`.
package enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    case builtIn
    /// The defaults file shipped with the package (or /etc).
    case shipped(path: String)
    /// The user's `config.json`.
    case file(path: String)
    case environment(variable: String)
    case flag(String)

    package var description: String {
        switch self {
        case .builtIn: return "built-in"
        case .shipped(let path): return "shipped defaults \(DisplayText.sanitized(path))"
        case .file(let path): return "config file \(DisplayText.sanitized(path))"
        case .environment(let variable): return "environment \(variable)"
        case .flag(let flag): return "flag \(flag)"
        }
    }
}

/// Resolved settings with where each came from (by config key) and the warnings met on the way
/// (unknown keys, which are ignored).
package struct ResolvedSettings: Sendable {
    package var settings: TelemetrySettings
    /// Config key (`endpoint`, `max_batch_events`…) → origin; keys absent here are built-in.
    package var origins: [String: SettingOrigin] = [:]
    /// One line each.
    package var warnings: [String] = []
    /// The shipped defaults file in use, if one was found.
    package var shippedDefaults: String?
    /// Why the shipped defaults file found was not used (another user could have written it).
    package var refusedShippedDefaults: String?
    /// The general `AWS_*` variables present and ignored (client side only; names, sorted).
    package var ignoredVariables: [String] = []

    package init(settings: TelemetrySettings = TelemetrySettings()) {
        self.settings = settings
    }

    package func origin(_ key: String) -> SettingOrigin { origins[key] ?? .builtIn }
}
