import TelemetryCore

/// `s3://bucket/key` as printed: each part made safe to show on one line.
func storeLocation(bucket: String, key: String) -> String {
    "s3://\(DisplayText.sanitized(bucket))/\(DisplayText.sanitized(key))"
}
