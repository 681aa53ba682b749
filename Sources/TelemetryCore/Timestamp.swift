/// UTC timestamps as the envelope carries them: ISO 8601 with milliseconds and `Z`. The
/// calendar arithmetic is `CivilDate`'s; the clock is `Clock` (TelemetryRules).
package enum Timestamp {
    /// `2026-11-23T18:50:20.123Z` for the given epoch milliseconds.
    package static func iso8601(milliseconds ms: Int64) -> String {
        let msPerDay: Int64 = 86_400_000
        // Floor division without overflow, for any value read back from a file.
        let days = ms / msPerDay - (ms % msPerDay < 0 ? 1 : 0)
        let ofDay = Int(ms - days * msPerDay)
        let (hours, minutes, seconds, millis) = (ofDay / 3_600_000, ofDay / 60_000 % 60, ofDay / 1000 % 60, ofDay % 1000)
        return CivilDate(daysSinceEpoch: Int(days)).description + "T" + CivilDate.pad(hours, 2) + ":" + CivilDate.pad(minutes, 2) + ":"
            + CivilDate.pad(seconds, 2) + "." + CivilDate.pad(millis, 3) + "Z"
    }

    /// `20261123T185020Z` (ISO 8601 basic format, whole seconds): SigV4's `x-amz-date`.
    package static func basicISO8601(seconds: Int64) -> String {
        String(iso8601(milliseconds: seconds * 1000).prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
    }

    /// The UTC day (`YYYY-MM-DD`) of an envelope timestamp: its first ten characters.
    package static func day(ofISO8601 timestamp: String) -> String {
        String(timestamp.prefix(10))
    }
}
