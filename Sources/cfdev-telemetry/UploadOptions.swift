import ArgumentParser
import TelemetryCore

/// Flags that override the store settings (the last layer: defaults < file < environment < flags).
struct UploadOptions: ParsableArguments {
    @Option(help: "S3 endpoint URL (else CFDEV_TELEMETRY_ENDPOINT, AWS_ENDPOINT_URL_S3, config.json).")
    var endpoint: String?

    @Option(help: "Bucket name (else CFDEV_TELEMETRY_BUCKET, config.json).")
    var bucket: String?

    @Option(help: "Key prefix in front of events/v1/… (may be empty).")
    var prefix: String?

    @Option(help: "AWS region used in signatures (else AWS_REGION, us-east-1).")
    var region: String?

    @Flag(help: "Virtual-hosted addressing (bucket.host) instead of path-style.")
    var virtualHosted = false

    @Flag(help: "Allow plain HTTP to hosts other than loopback.")
    var allowHTTP = false

    /// The settings with these flags applied on top.
    func apply(to settings: TelemetrySettings) -> TelemetrySettings {
        var result = settings
        if let endpoint { result.endpoint = endpoint }
        if let bucket { result.bucket = bucket }
        if let prefix { result.prefix = prefix }
        if let region { result.region = region }
        if virtualHosted { result.pathStyle = false }
        if allowHTTP { result.allowHTTP = true }
        return result
    }
}
