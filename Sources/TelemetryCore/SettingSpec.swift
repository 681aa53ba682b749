import Foundation

/// A value for one setting, as found in a JSON file or as the text of a variable or flag.
enum SettingInput {
    case json(ConfigValue)
    case text(String)
}

/// One setting: its key in the JSON files, its environment variables (the first set wins), and
/// how a value is checked and stored. Numbers must be finite and within the range stated in the
/// one-line error.
struct SettingSpec {
    let key: String
    /// The telemetry's own variables, which every command reads.
    let variables: [String]
    /// The general AWS variables that the team's commands also read, after `variables`. The
    /// client side never reads them: they belong to the user's own AWS work.
    var teamVariables: [String] = []
    /// Whether a variable set to the empty string counts (the prefix may be empty).
    var emptyCounts = false
    let apply: (SettingInput, String, inout TelemetrySettings) throws -> Void

    static var all: [SettingSpec] {
        [
            string("endpoint", ["CFDEV_TELEMETRY_ENDPOINT"], \.endpoint).team(["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]),
            string("bucket", ["CFDEV_TELEMETRY_BUCKET"], \.bucket),
            string("prefix", ["CFDEV_TELEMETRY_PREFIX"], \.prefix, emptyCounts: true),
            string("region", ["CFDEV_TELEMETRY_REGION"], \.region).team(["AWS_REGION", "AWS_DEFAULT_REGION"]),
            secret("access_key_id", ["CFDEV_TELEMETRY_ACCESS_KEY_ID"], \.accessKeyID).team(["AWS_ACCESS_KEY_ID"]),
            secret("secret_access_key", ["CFDEV_TELEMETRY_SECRET_ACCESS_KEY"], \.secretAccessKey).team(["AWS_SECRET_ACCESS_KEY"]),
            secret("session_token", ["CFDEV_TELEMETRY_SESSION_TOKEN"], \.sessionToken).team(["AWS_SESSION_TOKEN"]),
            secret("ca_bundle", ["CFDEV_TELEMETRY_CA_BUNDLE"], \.caBundle),
            flag("path_style", ["CFDEV_TELEMETRY_PATH_STYLE"], \.pathStyle),
            flag("allow_http", ["CFDEV_TELEMETRY_ALLOW_HTTP"], \.allowHTTP),
            integer("flush_interval_seconds", ["CFDEV_TELEMETRY_FLUSH_INTERVAL"], \.flushIntervalSeconds, 0...31_536_000),
            integer("max_pending_events", ["CFDEV_TELEMETRY_MAX_PENDING"], \.maxPendingEvents, 1...1_000_000),
            integer("max_batch_events", ["CFDEV_TELEMETRY_MAX_BATCH_EVENTS"], \.maxBatchEvents, ValueRange.batchEvents),
            integer("max_batch_bytes", ["CFDEV_TELEMETRY_MAX_BATCH_BYTES"], \.maxBatchBytes, ValueRange.batchBytes),
            seconds("flush_timeout_seconds", ["CFDEV_TELEMETRY_FLUSH_TIMEOUT"], \.flushTimeoutSeconds, ValueRange.runSeconds),
            seconds("final_flush_seconds", ["CFDEV_TELEMETRY_FINAL_FLUSH_SECONDS"], \.finalFlushSeconds, ValueRange.finalFlushSeconds),
            hosts("cfdev_api_hosts", ["CFDEV_TELEMETRY_CFDEV_API_HOSTS"], \.cfdevAPIHosts),
        ]
    }

    /// The keys of every setting, in the order `status` shows them.
    static var keys: [String] { all.map(\.key) }

    /// This setting, also read by the team's commands from `variables` (after its own).
    func team(_ variables: [String]) -> SettingSpec {
        var spec = self
        spec.teamVariables = variables
        return spec
    }

    /// The variables read for `audience`, in order.
    func variablesRead(by audience: SettingsAudience) -> [String] {
        audience == .team ? variables + teamVariables : variables
    }

    /// A setting of type `Value`: `json` reads it from a config file's value, `text` from a
    /// variable's or flag's text; both are given the source to name in a one-line error.
    static func typed<Value>(
        _ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, Value>, emptyCounts: Bool = false,
        json: @escaping (ConfigValue, String) throws -> Value, text: @escaping (String, String) throws -> Value
    ) -> SettingSpec {
        SettingSpec(key: key, variables: variables, emptyCounts: emptyCounts) { input, source, settings in
            switch input {
            case .json(let value): settings[keyPath: path] = try json(value, source)
            case .text(let value): settings[keyPath: path] = try text(value, source)
            }
        }
    }

    static func string(
        _ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, String>, emptyCounts: Bool = false
    ) -> SettingSpec {
        typed(key, variables, path, emptyCounts: emptyCounts, json: { try $0.string($1) }, text: { text, _ in text })
    }

    static func secret(_ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, String?>) -> SettingSpec {
        typed(key, variables, path, json: { try $0.string($1) }, text: { text, _ in text })
    }

    static func flag(_ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, Bool>) -> SettingSpec {
        typed(key, variables, path, json: { try $0.bool($1) }, text: { try ValueParsing.flag($0, $1) })
    }

    static func integer(
        _ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, Int>, _ range: ClosedRange<Int>
    ) -> SettingSpec {
        typed(key, variables, path, json: { try $0.int($1, in: range) }, text: { try ValueParsing.integer($0, $1, in: range) })
    }

    static func seconds(
        _ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, Double>, _ range: ClosedRange<Double>
    ) -> SettingSpec {
        typed(key, variables, path, json: { try $0.seconds($1, in: range) }, text: { try ValueParsing.seconds($0, $1, in: range) })
    }

    static func hosts(_ key: String, _ variables: [String], _ path: WritableKeyPath<TelemetrySettings, [String]>) -> SettingSpec {
        typed(
            key, variables, path, json: { try $0.strings($1).map { $0.lowercased() } },
            text: { text, source in
                let hosts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                    .filter { !$0.isEmpty }
                guard !hosts.isEmpty else {
                    throw TelemetryError.configuration("\(source): expected comma-separated host names")
                }
                return hosts
            })
    }
}

/// The ranges numeric settings and flags are held to.
package enum ValueRange {
    package static let batchEvents = 1...100_000
    /// Uncompressed bytes of one uploaded batch: no client object is larger (the report and
    /// compaction hold every object not written by compaction to it).
    package static let batchBytes = 1024...(64 << 20)
    /// One flush run, in seconds (`flush --timeout`, `flush_timeout_seconds`).
    package static let runSeconds = 0.5...3600.0
    /// The final flush of `off`.
    package static let finalFlushSeconds = 0.5...60.0
}

/// Parsing of the text of variables and flags, with the settings' one-line errors.
package enum ValueParsing {
    package static func flag(_ text: String, _ name: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw TelemetryError.configuration("\(name): expected true or false, got \(quoted(text))")
        }
    }

    package static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
            throw TelemetryError.configuration(
                "\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(quoted(text))")
        }
        return n
    }

    /// A finite number of seconds within `range` (`nan`, `inf`, `1e999` are refused).
    package static func seconds(_ text: String, _ name: String, in range: ClosedRange<Double>) throws -> Double {
        guard let n = Double(text.trimmingCharacters(in: .whitespaces)), n.isFinite, range.contains(n) else {
            throw TelemetryError.configuration(
                "\(name): expected a number of seconds from \(format(range.lowerBound)) to \(format(range.upperBound)), got \(quoted(text))")
        }
        return n
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The value as shown in an error: quoted, sanitized, at most 40 characters.
    static func quoted(_ text: String) -> String {
        "\"" + DisplayText.sanitized(text, limit: 40) + "\""
    }
}
