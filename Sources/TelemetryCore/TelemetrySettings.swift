import Foundation

/// Every setting of the product, resolved from built-in defaults < the shipped defaults file <
/// the config file in the telemetry home < the environment (< flags, applied by the commands).
/// Secrets are held here but never printed: use `masked` for display.
package struct TelemetrySettings: Sendable, Equatable {
    package var endpoint = "https://s3.us-east-1.amazonaws.com"
    package var bucket = "cfdev-telemetry"
    package var prefix = ""
    package var region = "us-east-1"
    package var accessKeyID: String? = nil
    package var secretAccessKey: String? = nil
    package var sessionToken: String? = nil
    /// A PEM file of the certificate authorities to trust instead of the system's (a private
    /// CA, a TLS-intercepting proxy). Else `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the system's.
    package var caBundle: String? = nil
    /// Path-style addressing (`https://host/bucket/key`), which S3-compatible servers expect.
    package var pathStyle = true
    /// Allows plain HTTP to hosts other than loopback.
    package var allowHTTP = false
    /// Minimum time between background flushes started by the shim.
    package var flushIntervalSeconds = 3600
    /// Pending events kept at most; past it the oldest are dropped and counted.
    package var maxPendingEvents = 10_000
    package var maxBatchEvents = 5_000
    package var maxBatchBytes = 4 * 1024 * 1024
    /// The longest one flush run may take (background, or by hand without `--timeout`).
    package var flushTimeoutSeconds = 120.0
    /// The longest the final flush of `off` may take.
    package var finalFlushSeconds = 3.0
    /// Hosts of the CF Dev API: other `cf` commands are recorded only when targeting one.
    package var cfdevAPIHosts = ["api.dev.cfdev.sh", "api.v3.pcfdev.io"]

    package init() {}

    /// `AKIA…` → `AKIA************`: enough to recognise a key, never the secret.
    package static func mask(_ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return "(not set)" }
        let shown = DisplayText.sanitized(String(secret.prefix(4)))
        return shown + String(repeating: "*", count: max(4, min(secret.count, 64) - 4))
    }
}
