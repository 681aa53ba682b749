import Foundation

/// Where objects go: an S3-compatible service URL, a bucket and a region, validated.
///
/// `url` is `scheme://host[:port][/base]`. Plain `http` is accepted only to a loopback host
/// (127.0.0.0/8, `localhost`, `::1`) unless `allowInsecureHTTP` is set.
package struct S3Endpoint: Sendable, Equatable {
    package let url: URL
    package let bucket: String
    package let region: String
    /// `true`: `https://host/<bucket>/<key>` (the default, what S3-compatible servers expect);
    /// `false`: virtual-hosted `https://<bucket>.host/<key>`.
    package let pathStyle: Bool
    package let allowInsecureHTTP: Bool

    /// Validates everything; throws `S3EndpointError` naming the bad value.
    package init(
        url: URL, bucket: String, region: String = "us-east-1",
        pathStyle: Bool = true, allowInsecureHTTP: Bool = false
    ) throws {
        try Self.validate(url: url, allowInsecureHTTP: allowInsecureHTTP)
        try Self.validate(bucket: bucket, pathStyle: pathStyle)
        try Self.validate(region: region)
        self.url = url
        self.bucket = bucket
        self.region = region
        self.pathStyle = pathStyle
        self.allowInsecureHTTP = allowInsecureHTTP
    }

    /// Parses `url` first; an unparsable string is an `.invalidURL` error.
    package init(
        url: String, bucket: String, region: String = "us-east-1",
        pathStyle: Bool = true, allowInsecureHTTP: Bool = false
    ) throws {
        guard let parsed = URL(string: url), parsed.scheme != nil, parsed.host != nil else {
            throw S3EndpointError.invalidURL(url, reason: "expected scheme://host[:port][/path]")
        }
        try self.init(
            url: parsed, bucket: bucket, region: region,
            pathStyle: pathStyle, allowInsecureHTTP: allowInsecureHTTP)
    }

    /// The URL's host without brackets (`::1` for `http://[::1]:9000`).
    package var host: String {
        let raw = url.host ?? ""
        return raw.hasPrefix("[") && raw.hasSuffix("]") ? String(raw.dropFirst().dropLast()) : raw
    }

    /// Whether the host is loopback: a literal 127.0.0.0/8 or `::1` address, or `localhost`.
    package var isLoopback: Bool { Self.isLoopback(host: host) }

    /// Loopback test used by validation, without any name lookup: literal IPv4 127.0.0.0/8
    /// (dotted quad), literal `::1` (any spelling, or IPv4-mapped 127.x), and the name
    /// `localhost` itself. `evil.localhost` is an ordinary name resolved by DNS: not loopback.
    package static func isLoopback(host: String) -> Bool {
        var lower = host.lowercased()
        if lower.hasPrefix("[") && lower.hasSuffix("]") { lower = String(lower.dropFirst().dropLast()) }
        if lower == "localhost" { return true }
        if lower.contains(":") {
            var address = in6_addr()
            guard !lower.contains("%"), inet_pton(AF_INET6, lower, &address) == 1 else { return false }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
        }
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4,
            parts.allSatisfy({ part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
            })
        else { return false }
        return parts[0] == "127"
    }

    static func validate(url: URL, allowInsecureHTTP: Bool) throws {
        let text = url.absoluteString
        guard let scheme = url.scheme?.lowercased() else {
            throw S3EndpointError.invalidURL(text, reason: "missing scheme")
        }
        guard scheme == "https" || scheme == "http" else {
            throw S3EndpointError.invalidURL(text, reason: "scheme must be https or http")
        }
        guard let host = url.host, !host.isEmpty else {
            throw S3EndpointError.invalidURL(text, reason: "missing host")
        }
        if url.query != nil || url.fragment != nil {
            throw S3EndpointError.invalidURL(text, reason: "no query or fragment allowed")
        }
        if url.user != nil || url.password != nil {
            throw S3EndpointError.invalidURL(text, reason: "no user or password allowed in the URL")
        }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if scheme == "http" && !allowInsecureHTTP && !isLoopback(host: bare) {
            throw S3EndpointError.insecureHTTP(text)
        }
    }

    /// S3 general-purpose bucket naming rules.
    static func validate(bucket: String, pathStyle: Bool) throws {
        func bad(_ reason: String) -> S3EndpointError { .invalidBucket(bucket, reason: reason) }
        guard (3...63).contains(bucket.utf8.count) else { throw bad("must be 3 to 63 characters long") }
        let allowed = bucket.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard allowed else { throw bad("only lower-case letters, digits, '-' and '.' are allowed") }
        guard let first = bucket.first, let last = bucket.last,
            first.isLetter || first.isNumber, last.isLetter || last.isNumber
        else { throw bad("must begin and end with a letter or digit") }
        if bucket.contains("..") { throw bad("must not contain two adjacent periods") }
        let labels = bucket.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count == 4 && labels.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) {
            throw bad("must not be formatted as an IP address")
        }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where bucket.hasPrefix(prefix) {
            throw bad("must not start with '\(prefix)'")
        }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] where bucket.hasSuffix(suffix) {
            throw bad("must not end with '\(suffix)'")
        }
        if !pathStyle && bucket.contains(".") {
            throw bad("must not contain '.' with virtual-hosted addressing (TLS names do not match)")
        }
    }

    static func validate(region: String) throws {
        let ok =
            !region.isEmpty && region.utf8.count <= 64
            && region.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            }
        guard ok else { throw S3EndpointError.invalidRegion(region) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
