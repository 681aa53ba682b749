import TelemetryCore

/// The settings as `status` and `doctor` show them: each value made safe to print (secrets
/// masked, user-info in URLs masked, control characters removed) with where it came from.
struct SettingsDisplay {
    struct Row {
        var key: String
        var value: String
        var origin: SettingOrigin
    }

    let rows: [Row]

    init(_ resolved: ResolvedSettings) {
        let s = resolved.settings
        func row(_ key: String, _ value: String) -> Row { Row(key: key, value: value, origin: resolved.origin(key)) }
        rows = [
            row("endpoint", DisplayText.maskingUserInfo(s.endpoint)),
            row("bucket", DisplayText.sanitized(s.bucket, limit: 100)),
            row("prefix", "\"" + DisplayText.sanitized(s.prefix, limit: 200) + "\""),
            row("region", DisplayText.sanitized(s.region, limit: 100)),
            row("access_key_id", TelemetrySettings.mask(s.accessKeyID)),
            row("secret_access_key", s.secretAccessKey == nil ? "(not set)" : "(set, hidden)"),
            row("session_token", s.sessionToken == nil ? "(not set)" : "(set, hidden)"),
            row("ca_bundle", s.caBundle.map { DisplayText.sanitized($0, limit: 200) } ?? "(not set)"),
            row("path_style", String(s.pathStyle)),
            row("allow_http", String(s.allowHTTP)),
            row("flush_interval_seconds", String(s.flushIntervalSeconds)),
            row("max_pending_events", String(s.maxPendingEvents)),
            row("max_batch_events", String(s.maxBatchEvents)),
            row("max_batch_bytes", String(s.maxBatchBytes)),
            row("flush_timeout_seconds", String(s.flushTimeoutSeconds)),
            row("final_flush_seconds", String(s.finalFlushSeconds)),
            row("cfdev_api_hosts", s.cfdevAPIHosts.map { DisplayText.sanitized($0, limit: 100) }.joined(separator: ",")),
        ]
    }

    /// `  endpoint               http://… (shipped defaults /opt/…/defaults.json)`, one per setting.
    var lines: [String] {
        rows.map { "  " + $0.key.padding(toLength: 23, withPad: " ", startingAt: 0) + $0.value + "  (\($0.origin))" }
    }

    /// The note on the general AWS variables set and ignored, if any: their names (never their
    /// values), at most 12 of them.
    static func ignoredNote(_ resolved: ResolvedSettings) -> String? {
        let names = resolved.ignoredVariables
        guard !names.isEmpty else { return nil }
        var shown = names.prefix(12).map { DisplayText.sanitized($0, limit: 60) }.joined(separator: ", ")
        if names.count > 12 { shown += " and \(names.count - 12) more" }
        return "ignored: \(shown) (uploads never use the general AWS settings, which belong to your own AWS work; "
            + "telemetry uploads use only CFDEV_TELEMETRY_* variables, config.json and the shipped defaults)"
    }

    /// `{key: {"value": …, "from": …}}` for `status --json`.
    var jsonObject: [String: Any] {
        Dictionary(uniqueKeysWithValues: rows.map { ($0.key, ["value": $0.value, "from": $0.origin.description]) })
    }
}
