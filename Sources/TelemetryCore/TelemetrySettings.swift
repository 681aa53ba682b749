import Foundation

/// Every setting of the product, resolved from built-in defaults < the shipped defaults file <
/// the config file in the telemetry home < the environment (< flags, applied by the commands).
/// Secrets are held here but never printed: use `masked` for display.
public struct TelemetrySettings: Sendable, Equatable {
    public var endpoint = "https://s3.us-east-1.amazonaws.com"
    public var bucket = "cfdev-telemetry"
    public var prefix = ""
    public var region = "us-east-1"
    public var accessKeyID: String? = nil
    public var secretAccessKey: String? = nil
    public var sessionToken: String? = nil
    /// A PEM file of the certificate authorities to trust instead of the system's (a private
    /// CA, a TLS-intercepting proxy). Else `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the system's.
    public var caBundle: String? = nil
    /// Path-style addressing (`https://host/bucket/key`), which S3-compatible servers expect.
    public var pathStyle = true
    /// Allows plain HTTP to hosts other than loopback.
    public var allowHTTP = false
    /// Minimum time between background flushes started by the shim.
    public var flushIntervalSeconds = 3600
    /// Pending events kept at most; past it the oldest are dropped and counted.
    public var maxPendingEvents = 10_000
    public var maxBatchEvents = 5_000
    public var maxBatchBytes = 4 * 1024 * 1024
    /// The longest one flush run may take (background, or by hand without `--timeout`).
    public var flushTimeoutSeconds = 120.0
    /// The longest the final flush of `off` may take.
    public var finalFlushSeconds = 3.0
    /// Hosts of the CF Dev API: other `cf` commands are recorded only when targeting one.
    public var cfdevAPIHosts = ["api.dev.cfdev.sh", "api.v3.pcfdev.io"]

    public init() {}

    /// `AKIA…` → `AKIA************`: enough to recognise a key, never the secret.
    public static func mask(_ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return "(not set)" }
        let shown = DisplayText.sanitized(String(secret.prefix(4)))
        return shown + String(repeating: "*", count: max(4, min(secret.count, 64) - 4))
    }
}
