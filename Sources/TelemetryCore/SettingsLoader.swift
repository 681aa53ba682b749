import Foundation

/// Resolves `TelemetrySettings`: built-in defaults, then `config.json` in the telemetry
/// home, then the environment. A malformed value is a one-line error naming the file or
/// variable and the key.
public enum SettingsLoader {
    public static func load(home: TelemetryHome, environment: [String: String]) throws -> TelemetrySettings {
        var settings = TelemetrySettings()
        try applyFile(home.configPath, to: &settings)
        try applyEnvironment(environment, to: &settings)
        return settings
    }

    // MARK: config file

    static func applyFile(_ path: String, to settings: inout TelemetrySettings) throws {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return }
        let dictionary: [String: ConfigValue]
        do {
            dictionary = try JSONDecoder().decode([String: ConfigValue].self, from: data)
        } catch {
            throw TelemetryError.configuration("\(path): not a JSON object of settings")
        }
        for key in dictionary.keys.sorted() {
            let value = dictionary[key]!
            let source = "\(path): key \"\(key)\""
            switch key {
            case "endpoint": settings.endpoint = try value.string(source)
            case "bucket": settings.bucket = try value.string(source)
            case "prefix": settings.prefix = try value.string(source)
            case "region": settings.region = try value.string(source)
            case "access_key_id": settings.accessKeyID = try value.string(source)
            case "secret_access_key": settings.secretAccessKey = try value.string(source)
            case "session_token": settings.sessionToken = try value.string(source)
            case "path_style": settings.pathStyle = try value.bool(source)
            case "allow_http": settings.allowHTTP = try value.bool(source)
            case "flush_interval_seconds": settings.flushIntervalSeconds = try value.int(source, min: 0)
            case "max_pending_events": settings.maxPendingEvents = try value.int(source, min: 1)
            case "max_batch_events": settings.maxBatchEvents = try value.int(source, min: 1)
            case "max_batch_bytes": settings.maxBatchBytes = try value.int(source, min: 1024)
            case "cfdev_api_hosts": settings.cfdevAPIHosts = try value.strings(source).map { $0.lowercased() }
            default:
                throw TelemetryError.configuration("\(path): unknown key \"\(key)\"")
            }
        }
    }

    // MARK: environment

    static func applyEnvironment(_ env: [String: String], to settings: inout TelemetrySettings) throws {
        func value(_ name: String) -> String? {
            guard let v = env[name], !v.isEmpty else { return nil }
            return v
        }
        if let v = value("CFDEV_TELEMETRY_ENDPOINT") ?? value("AWS_ENDPOINT_URL_S3") { settings.endpoint = v }
        if let v = value("CFDEV_TELEMETRY_BUCKET") { settings.bucket = v }
        // The prefix may legitimately be set to empty, so presence counts, not emptiness.
        if let v = env["CFDEV_TELEMETRY_PREFIX"] { settings.prefix = v }
        if let v = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") { settings.region = v }
        if let v = value("AWS_ACCESS_KEY_ID") { settings.accessKeyID = v }
        if let v = value("AWS_SECRET_ACCESS_KEY") { settings.secretAccessKey = v }
        if let v = value("AWS_SESSION_TOKEN") { settings.sessionToken = v }
        if let v = value("CFDEV_TELEMETRY_PATH_STYLE") { settings.pathStyle = try flag(v, "CFDEV_TELEMETRY_PATH_STYLE") }
        if let v = value("CFDEV_TELEMETRY_ALLOW_HTTP") { settings.allowHTTP = try flag(v, "CFDEV_TELEMETRY_ALLOW_HTTP") }
        if let v = value("CFDEV_TELEMETRY_FLUSH_INTERVAL") {
            settings.flushIntervalSeconds = try number(v, "CFDEV_TELEMETRY_FLUSH_INTERVAL", min: 0)
        }
        if let v = value("CFDEV_TELEMETRY_MAX_PENDING") {
            settings.maxPendingEvents = try number(v, "CFDEV_TELEMETRY_MAX_PENDING", min: 1)
        }
        if let v = value("CFDEV_TELEMETRY_MAX_BATCH_EVENTS") {
            settings.maxBatchEvents = try number(v, "CFDEV_TELEMETRY_MAX_BATCH_EVENTS", min: 1)
        }
        if let v = value("CFDEV_TELEMETRY_MAX_BATCH_BYTES") {
            settings.maxBatchBytes = try number(v, "CFDEV_TELEMETRY_MAX_BATCH_BYTES", min: 1024)
        }
        if let v = value("CFDEV_TELEMETRY_CFDEV_API_HOSTS") {
            let hosts = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            guard !hosts.isEmpty else {
                throw TelemetryError.configuration("CFDEV_TELEMETRY_CFDEV_API_HOSTS: expected comma-separated host names")
            }
            settings.cfdevAPIHosts = hosts
        }
    }

    private static func flag(_ v: String, _ name: String) throws -> Bool {
        switch v.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw TelemetryError.configuration("\(name): expected true or false, got \"\(v)\"")
        }
    }

    private static func number(_ v: String, _ name: String, min: Int) throws -> Int {
        guard let n = Int(v), n >= min else {
            throw TelemetryError.configuration("\(name): expected a whole number of at least \(min), got \"\(v)\"")
        }
        return n
    }
}
