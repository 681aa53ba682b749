import Foundation
import TelemetryRules

/// The API the CF CLI currently targets, read from its own config
/// (`$CF_HOME/.cf/config.json`, field `Target`; `CF_HOME` defaults to `$HOME`).
package enum CFTarget {
    package static func configPath(environment: [String: String]) -> String {
        let base =
            environment["CF_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? TelemetryHomePath.userHome { environment[$0] }
        return base + "/.cf/config.json"
    }

    /// The CF CLI's config is a few kilobytes; past this it is not read.
    static let maxConfigBytes = 4 << 20

    /// The target URL, or nil when there is no readable config or no target.
    package static func current(environment: [String: String]) -> String? {
        guard case .contents(let bytes) = SafeFile.read(configPath(environment: environment), limit: maxConfigBytes, followingLinks: true),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let target = object["Target"] as? String, !target.isEmpty
        else { return nil }
        return target
    }

    /// Whether `target` (a URL or a bare host) is one of the CF Dev API hosts.
    package static func isCFDev(target: String, hosts: [String]) -> Bool {
        let withScheme = target.contains("://") ? target : "https://" + target
        guard let host = URLComponents(string: withScheme)?.host?.lowercased() else { return false }
        let trimmed = host.hasSuffix(".") ? String(host.dropLast()) : host
        return hosts.contains { $0.lowercased() == trimmed }
    }
}
