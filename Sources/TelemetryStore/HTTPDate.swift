import Foundation
import TelemetryCore

/// Parses the HTTP `Date` header (RFC 1123 `Sun, 06 Nov 1994 08:49:37 GMT`, plus the obsolete
/// RFC 850 and asctime forms) without a (non-Sendable) `DateFormatter`.
package enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The instant, or nil when the text is not an HTTP date.
    package static func parse(_ text: String) -> Date? {
        // Tokens: weekday dropped; accept "06 Nov 1994 08:49:37 GMT", "06-Nov-94 08:49:37 GMT",
        // and asctime "Nov  6 08:49:37 1994".
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        if let comma = body.firstIndex(of: ",") { body = body[body.index(after: comma)...] }
        let tokens = body.replacingOccurrences(of: "-", with: " ")
            .split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?
        for token in tokens {
            if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if let index = months.firstIndex(of: token.lowercased().prefix(3).description),
                token.count >= 3, Int(token) == nil
            {
                month = index + 1
            } else if let number = Int(token) {
                if token.count == 4 || day != nil { year = number } else { day = number }
            } else if !["GMT", "UTC", "Z"].contains(token.uppercased()) && !isWeekday(token) {
                return nil
            }
        }
        guard var y = year, let m = month, let d = day, let (hh, mm, ss) = time,
            (1...31).contains(d), (0...23).contains(hh), (0...59).contains(mm), (0...60).contains(ss)
        else { return nil }
        if y < 100 { y += y < 70 ? 2000 : 1900 }
        guard let date = CivilDate(year: y, month: m, day: d) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch * 86_400 + hh * 3600 + mm * 60 + ss))
    }

    private static func isWeekday(_ token: String) -> Bool {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(token.lowercased().prefix(3).description)
    }
}
