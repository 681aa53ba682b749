/// An S3 error code: the store's `<Code>`, or one this client names for a failure without one
/// (`Timeout`, `ConnectionRefused`, `MalformedResponse`…). The codes the project acts on are
/// constants here, so that a misspelt code is a compile error, not a branch never taken.
package struct S3ErrorCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    package let rawValue: String

    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    package init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    package var description: String { rawValue }

    // What the store says.
    package static let accessDenied: S3ErrorCode = "AccessDenied"
    package static let invalidAccessKeyID: S3ErrorCode = "InvalidAccessKeyId"
    package static let signatureDoesNotMatch: S3ErrorCode = "SignatureDoesNotMatch"
    package static let requestTimeTooSkewed: S3ErrorCode = "RequestTimeTooSkewed"
    package static let noSuchBucket: S3ErrorCode = "NoSuchBucket"
    package static let noSuchKey: S3ErrorCode = "NoSuchKey"
    package static let noSuchLifecycleConfiguration: S3ErrorCode = "NoSuchLifecycleConfiguration"
    package static let preconditionFailed: S3ErrorCode = "PreconditionFailed"
    package static let slowDown: S3ErrorCode = "SlowDown"
    package static let requestTimeout: S3ErrorCode = "RequestTimeout"
    package static let internalError: S3ErrorCode = "InternalError"
    package static let serviceUnavailable: S3ErrorCode = "ServiceUnavailable"
    /// A conditional write raced another on the same key.
    package static let conditionalRequestConflict: S3ErrorCode = "ConditionalRequestConflict"

    // What this client names.
    /// The store's TLS certificate is not signed by a trusted authority.
    package static let tlsCertificateNotTrusted: S3ErrorCode = "TLSCertificateNotTrusted"
    /// No answer in time.
    package static let timeout: S3ErrorCode = "Timeout"
    /// A body that is not the document the request asks for.
    package static let malformedResponse: S3ErrorCode = "MalformedResponse"
    /// A body past the bound set for the request.
    package static let responseTooLarge: S3ErrorCode = "ResponseTooLarge"
}
