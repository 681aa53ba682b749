/// Where the value of one setting came from, for `status` and `doctor`.
public enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    case builtIn
    /// The defaults file shipped with the package (or /etc).
    case shipped(path: String)
    /// The user's `config.json`.
    case file(path: String)
    case environment(variable: String)
    case flag(String)

    public var description: String {
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
public struct ResolvedSettings: Sendable {
    public var settings: TelemetrySettings
    /// Config key (`endpoint`, `max_batch_events`…) → origin; keys absent here are built-in.
    public var origins: [String: SettingOrigin] = [:]
    /// One line each.
    public var warnings: [String] = []
    /// The shipped defaults file in use, if one was found.
    public var shippedDefaults: String?
    /// Why the shipped defaults file found was not used (another user could have written it).
    public var refusedShippedDefaults: String?
    /// The general `AWS_*` variables present and ignored (client side only; names, sorted).
    public var ignoredVariables: [String] = []

    public init(settings: TelemetrySettings = TelemetrySettings()) {
        self.settings = settings
    }

    public func origin(_ key: String) -> SettingOrigin { origins[key] ?? .builtIn }
}
