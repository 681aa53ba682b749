import TelemetryRules

/// UTC timestamps as the envelope carries them: ISO 8601 with milliseconds and `Z`.
public enum Timestamp {
    /// Milliseconds since the Unix epoch, from the system clock.
    public static func nowMilliseconds() -> Int64 {
        Clock.nowMilliseconds()
    }

    /// `2026-11-23T18:50:20.123Z` for the given epoch milliseconds.
    public static func iso8601(milliseconds ms: Int64) -> String {
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-"
            + pad(Int(parts.tm_mday), 2) + "T" + pad(Int(parts.tm_hour), 2) + ":"
            + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2) + "." + pad(millis, 3) + "Z"
    }

    /// `20261123T185020Z` (ISO 8601 basic format, whole seconds): SigV4's `x-amz-date`.
    public static func basicISO8601(seconds: Int64) -> String {
        String(iso8601(milliseconds: seconds * 1000).prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
    }

    /// The UTC day (`YYYY-MM-DD`) of an envelope timestamp: its first ten characters.
    public static func day(ofISO8601 timestamp: String) -> String {
        String(timestamp.prefix(10))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
