import TelemetryCore

/// A rejected endpoint setting; `description` is one line naming the bad value.
package enum S3EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// Plain `http` to a host that is not loopback, without `allowInsecureHTTP`.
    case insecureHTTP(String)
    case invalidBucket(String, reason: String)
    case invalidRegion(String)

    package var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid S3 endpoint URL \"\(DisplayText.maskingUserInfo(url))\": \(reason)"
        case .insecureHTTP(let url):
            return "S3 endpoint \"\(DisplayText.maskingUserInfo(url))\" uses plain http to a non-loopback host: use https, "
                + "or allow insecure HTTP explicitly"
        case .invalidBucket(let bucket, let reason):
            return "invalid S3 bucket name \"\(DisplayText.sanitized(bucket, limit: 80))\": \(reason)"
        case .invalidRegion(let region):
            return "invalid AWS region \"\(DisplayText.sanitized(region, limit: 80))\": expected lower-case letters, digits and '-' (e.g. us-east-1)"
        }
    }
}
