import Foundation
import TelemetryCore

/// The `Expiration` of temporary credentials, as STS, credential processes, containers and
/// instance metadata write it: ISO 8601 in UTC, with or without fractional seconds
/// (`2026-12-06T15:52:23Z`, `2026-12-06T15:52:23.123Z`, `…+00:00`).
enum CredentialExpiration {
    /// The date, or nil when `text` is not such a timestamp.
    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 40 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: trimmed)
    }

    /// `2026-12-06T15:52:23.000Z`.
    static func text(_ date: Date) -> String {
        Timestamp.iso8601(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
