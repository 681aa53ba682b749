import Foundation
import TelemetryRules

/// Resolves `TelemetrySettings`: built-in defaults, then the shipped defaults file (the
/// package's `<prefix>/etc/cfdev-telemetry/defaults.json`, else `/etc/cfdev-telemetry/defaults.json`),
/// then `config.json` in the telemetry home, then the environment (for the client side only the
/// telemetry's own variables: see `SettingsAudience`). Every value is checked
/// (numbers finite and in range); a bad one is a one-line error naming the file or variable and
/// the key. An unknown key is a warning and is ignored.
package enum SettingsLoader {
    /// The most a settings file may hold.
    package static let maxFileBytes = 64 * 1024

    /// The client side's settings; unknown keys are ignored and noted in the telemetry log.
    package static func load(home: TelemetryHome, environment: [String: String]) throws -> TelemetrySettings {
        let resolved = try resolve(home: home, environment: environment, audience: .client)
        let notes = resolved.warnings + (resolved.refusedShippedDefaults.map { ["shipped defaults \($0)"] } ?? [])
        if !notes.isEmpty {
            let log = TelemetryLog(home: home)
            for note in notes { log.write("settings: \(note)") }
        }
        return resolved.settings
    }

    /// The settings with the origin of each and the warnings. `shippedDefaults` nil: the
    /// candidates beside the running executable, then /etc.
    package static func resolve(
        home: TelemetryHome, environment: [String: String], audience: SettingsAudience, shippedDefaults: [String]? = nil
    ) throws -> ResolvedSettings {
        var resolved = ResolvedSettings()
        if audience == .client { resolved.ignoredVariables = ignoredVariables(environment) }
        let candidates = shippedDefaults ?? shippedDefaultsCandidates(executable: OwnExecutable.path())
        for path in candidates {
            // Shipped defaults name where every upload goes: a file another local user could
            // have written is not used, and nothing after it either (the built-in state).
            if FileKind(atPath: path) != .absent, let problem = SharedFileTrust.problem(path: path) {
                resolved.refusedShippedDefaults = "\(DisplayText.sanitized(path, limit: 200)): \(problem); not used"
                break
            }
            if try applyFile(path, origin: .shipped(path: path), to: &resolved) {
                resolved.shippedDefaults = path
                break
            }
        }
        _ = try applyFile(home.configPath, origin: .file(path: home.configPath), to: &resolved)
        try applyEnvironment(environment, audience: audience, to: &resolved)
        return resolved
    }

    /// The general AWS variables set in `environment` (names only, sorted): the client side
    /// ignores every one of them, and `status` and `doctor` say so.
    package static func ignoredVariables(_ environment: [String: String]) -> [String] {
        environment.keys.filter { $0.hasPrefix("AWS_") }.sorted()
    }

    /// `<prefix>/etc/cfdev-telemetry/defaults.json`, `<prefix>` being the parent of the folder
    /// holding the (resolved) executable, then `/etc/cfdev-telemetry/defaults.json`.
    package static func shippedDefaultsCandidates(executable: String?) -> [String] {
        var paths: [String] = []
        if let executable {
            let folder = (executable as NSString).deletingLastPathComponent
            let prefix = (folder as NSString).deletingLastPathComponent
            if !prefix.isEmpty && prefix != "/" {
                paths.append(prefix + "/etc/cfdev-telemetry/defaults.json")
            }
        }
        paths.append("/etc/cfdev-telemetry/defaults.json")
        return paths
    }

    // MARK: files

    /// Applies one JSON settings file; returns whether it existed.
    static func applyFile(_ path: String, origin: SettingOrigin, to resolved: inout ResolvedSettings) throws -> Bool {
        guard let data = try BoundedFileRead.contents(of: path, maxBytes: maxFileBytes) else { return false }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return true }
        let dictionary: [String: ConfigValue]
        do {
            dictionary = try JSONDecoder().decode([String: ConfigValue].self, from: data)
        } catch {
            throw TelemetryError.configuration("\(DisplayText.sanitized(path)): not a JSON object of settings")
        }
        let specs = Dictionary(uniqueKeysWithValues: SettingSpec.all.map { ($0.key, $0) })
        for key in dictionary.keys.sorted() {
            let source = "\(DisplayText.sanitized(path)): key \"\(DisplayText.sanitized(key, limit: 60))\""
            guard let spec = specs[key] else {
                resolved.warnings.append("\(source) is not a setting of this version; ignored")
                continue
            }
            try spec.apply(.json(dictionary[key]!), source, &resolved.settings)
            resolved.origins[key] = origin
        }
        return true
    }

    // MARK: environment

    static func applyEnvironment(_ env: [String: String], audience: SettingsAudience, to resolved: inout ResolvedSettings) throws {
        for spec in SettingSpec.all {
            for variable in spec.variablesRead(by: audience) {
                guard let value = env[variable], spec.emptyCounts || !value.isEmpty else { continue }
                try spec.apply(.text(value), variable, &resolved.settings)
                resolved.origins[spec.key] = .environment(variable: variable)
                break
            }
        }
    }
}
