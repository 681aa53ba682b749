/// An S3 error code: the store's `<Code>`, or one this client names for a failure without one
/// (`Timeout`, `ConnectionRefused`, `MalformedResponse`…). The codes the project acts on are
/// constants here, so that a misspelt code is a compile error, not a branch never taken.
public struct S3ErrorCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var description: String { rawValue }

    // What the store says.
    public static let accessDenied: S3ErrorCode = "AccessDenied"
    public static let invalidAccessKeyID: S3ErrorCode = "InvalidAccessKeyId"
    public static let signatureDoesNotMatch: S3ErrorCode = "SignatureDoesNotMatch"
    public static let requestTimeTooSkewed: S3ErrorCode = "RequestTimeTooSkewed"
    public static let noSuchBucket: S3ErrorCode = "NoSuchBucket"
    public static let noSuchKey: S3ErrorCode = "NoSuchKey"
    public static let noSuchLifecycleConfiguration: S3ErrorCode = "NoSuchLifecycleConfiguration"
    public static let preconditionFailed: S3ErrorCode = "PreconditionFailed"
    public static let slowDown: S3ErrorCode = "SlowDown"
    public static let requestTimeout: S3ErrorCode = "RequestTimeout"
    public static let internalError: S3ErrorCode = "InternalError"
    public static let serviceUnavailable: S3ErrorCode = "ServiceUnavailable"
    /// A conditional write raced another on the same key.
    public static let conditionalRequestConflict: S3ErrorCode = "ConditionalRequestConflict"

    // What this client names.
    /// The store's TLS certificate is not signed by a trusted authority.
    public static let tlsCertificateNotTrusted: S3ErrorCode = "TLSCertificateNotTrusted"
    /// No answer in time.
    public static let timeout: S3ErrorCode = "Timeout"
    /// A body that is not the document the request asks for.
    public static let malformedResponse: S3ErrorCode = "MalformedResponse"
    /// A body past the bound set for the request.
    public static let responseTooLarge: S3ErrorCode = "ResponseTooLarge"
}
