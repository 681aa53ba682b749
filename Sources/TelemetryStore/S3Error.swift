import Foundation
import TelemetryCore

/// A failed S3 request: the store's error (`<Code>`, `<Message>`, HTTP status, `Date`) or a
/// transport failure (timeout, refused, reset), classified for the retry policy.
package struct S3Error: Error, Sendable, CustomStringConvertible {
    /// What the caller should do about it.
    package enum Classification: String, Sendable, Equatable {
        /// 5xx, 429, `SlowDown`, timeouts, refused/reset/closed connections: retry with backoff.
        case retryable
        /// `RequestTimeTooSkewed`, or a 400/403 whose `Date` is minutes away from the signing
        /// clock: correct the clock from `serverDate` (see `S3Client.correctClock(from:)`) and retry.
        case clockSkew
        /// Any other 4xx (`SignatureDoesNotMatch`, `AccessDenied`, `NoSuchBucket`…): keep the data, report.
        case fatal
    }

    /// A response `Date` further than this from the signing clock counts as skew (S3 allows 15 min).
    package static let skewThreshold: TimeInterval = 5 * 60

    /// `PUT`, `GET`, `HEAD`…
    package var method: String
    /// The key, or `bucket` / `bucket?lifecycle` for bucket-level requests.
    package var resource: String
    /// HTTP status; nil for transport failures.
    package var status: Int?
    /// S3's `<Code>` (or a synthesized one: `NotFound` for a body-less 404, `ConnectionRefused`, `Timeout`…).
    package var code: S3ErrorCode
    package var message: String
    /// The response `Date` header, when there was a response.
    package var serverDate: Date?
    /// The date the request was signed with (local clock plus offset).
    package var requestDate: Date?
    /// `x-amz-request-id`, if sent.
    package var requestID: String?
    package var classification: Classification

    package init(
        method: String, resource: String, status: Int?, code: S3ErrorCode, message: String,
        serverDate: Date? = nil, requestDate: Date? = nil, requestID: String? = nil,
        classification: Classification? = nil
    ) {
        self.method = method
        self.resource = DisplayText.sanitized(resource, limit: 300)
        self.status = status
        // What a store says is shown and saved: no control characters, bounded.
        self.code = S3ErrorCode(rawValue: DisplayText.sanitized(code.rawValue, limit: 80))
        self.message = DisplayText.maskingUserInfo(message, limit: 400)
        self.serverDate = serverDate
        self.requestDate = requestDate
        self.requestID = requestID.map { DisplayText.sanitized($0, limit: 120) }
        self.classification =
            classification
            ?? Self.classify(status: status, code: code, serverDate: serverDate, requestDate: requestDate)
    }

    /// Server clock minus signing clock, when both are known: add it to `S3Client.clockOffset`.
    package var clockSkew: TimeInterval? {
        guard let serverDate, let requestDate else { return nil }
        return serverDate.timeIntervalSince(requestDate)
    }

    /// One line: `S3 PUT events/v1/… failed: 403 SignatureDoesNotMatch: The request signature…`.
    package var description: String {
        let statusPart = status.map { "\($0) " } ?? ""
        let messagePart = message.isEmpty ? "" : ": \(message)"
        return Self.oneLine("S3 \(method) \(resource) failed: \(statusPart)\(code)\(messagePart)")
    }

    /// The rule: `RequestTimeTooSkewed` or a 400/403 with a skewed `Date` → clock skew;
    /// 5xx, 429, `SlowDown`, transport failures (no status) → retryable; other 3xx/4xx → fatal.
    package static func classify(
        status: Int?, code: S3ErrorCode, serverDate: Date?, requestDate: Date?
    ) -> Classification {
        if code == .requestTimeTooSkewed { return .clockSkew }
        if let serverDate, let requestDate, status == 403 || status == 400,
            abs(serverDate.timeIntervalSince(requestDate)) > skewThreshold
        {
            return .clockSkew
        }
        guard let status else { return .retryable }
        // (ConditionalRequestConflict: a conditional write raced another on the same key.)
        if status >= 500 || status == 429 || Self.retryableCodes.contains(code) {
            return .retryable
        }
        return .fatal  // other 4xx, and 3xx (a redirect means the wrong endpoint or region)
    }

    /// Codes a store sends with a 4xx status that still mean "try again".
    static let retryableCodes: Set<S3ErrorCode> = [
        .slowDown, .requestTimeout, .internalError, .serviceUnavailable, .conditionalRequestConflict,
    ]

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
    }
}
