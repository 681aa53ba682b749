import Foundation

/// The API the CF CLI currently targets, read from its own config
/// (`$CF_HOME/.cf/config.json`, field `Target`; `CF_HOME` defaults to `$HOME`).
public enum CFTarget {
    public static func configPath(environment: [String: String]) -> String {
        let base = environment["CF_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return base + "/.cf/config.json"
    }

    /// The target URL, or nil when there is no readable config or no target.
    public static func current(environment: [String: String]) -> String? {
        guard let data = FileManager.default.contents(atPath: configPath(environment: environment)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let target = object["Target"] as? String, !target.isEmpty
        else { return nil }
        return target
    }

    /// Whether `target` (a URL or a bare host) is one of the CF Dev API hosts.
    public static func isCFDev(target: String, hosts: [String]) -> Bool {
        let withScheme = target.contains("://") ? target : "https://" + target
        guard let host = URLComponents(string: withScheme)?.host?.lowercased() else { return false }
        let trimmed = host.hasSuffix(".") ? String(host.dropLast()) : host
        return hosts.contains { $0.lowercased() == trimmed }
    }
}
