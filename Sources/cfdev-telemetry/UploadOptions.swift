import ArgumentParser
import TelemetryCore

/// Flags that override the store settings (the last layer: built-in < shipped defaults <
/// config file < environment < flags).
struct UploadOptions: ParsableArguments {
    @Option(help: "S3 endpoint URL (else CFDEV_TELEMETRY_ENDPOINT, config.json, shipped defaults; the team's commands also AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL).")
    var endpoint: String?

    @Option(help: "Bucket name (else CFDEV_TELEMETRY_BUCKET, config.json, shipped defaults).")
    var bucket: String?

    @Option(help: "Key prefix in front of events/v1/… (may be empty).")
    var prefix: String?

    @Option(help: "AWS region used in signatures (else CFDEV_TELEMETRY_REGION, config.json, shipped defaults, us-east-1; the team's commands also AWS_REGION, AWS_DEFAULT_REGION).")
    var region: String?

    @Flag(help: "Virtual-hosted addressing (bucket.host) instead of path-style.")
    var virtualHosted = false

    @Flag(help: "Allow plain HTTP to hosts other than loopback.")
    var allowHTTP = false

    /// The settings with these flags applied on top.
    func apply(to settings: TelemetrySettings) -> TelemetrySettings {
        var resolved = ResolvedSettings(settings: settings)
        apply(to: &resolved)
        return resolved.settings
    }

    /// Applies the flags given, noting each as the origin of its setting.
    func apply(to resolved: inout ResolvedSettings) {
        func set(_ key: String, _ flag: String, _ change: (inout TelemetrySettings) -> Void) {
            change(&resolved.settings)
            resolved.origins[key] = .flag(flag)
        }
        if let endpoint { set("endpoint", "--endpoint") { $0.endpoint = endpoint } }
        if let bucket { set("bucket", "--bucket") { $0.bucket = bucket } }
        if let prefix { set("prefix", "--prefix") { $0.prefix = prefix } }
        if let region { set("region", "--region") { $0.region = region } }
        if virtualHosted { set("path_style", "--virtual-hosted") { $0.pathStyle = false } }
        if allowHTTP { set("allow_http", "--allow-http") { $0.allowHTTP = true } }
    }
}
