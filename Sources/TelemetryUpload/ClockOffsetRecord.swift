import Foundation
import TelemetryCore
import TelemetryStore

/// The clock offset the flusher learnt from the store (server time minus local time), kept in
/// the spool between runs. Only a plausible offset (`S3Client.isPlausibleOffset`) is believed:
/// anything else found there is dropped.
package enum ClockOffsetRecord {
    /// The saved offset in seconds, 0 when none (or when what is saved is not believable).
    package static func load(spool: Spool, log: TelemetryLog? = nil) -> TimeInterval {
        guard let raw = try? spool.meta(.clockOffsetMs) else { return 0 }
        guard let ms = Int64(raw), S3Client.isPlausibleOffset(Double(ms) / 1000) else {
            log?.write("dropped an implausible saved clock offset (\(DisplayText.sanitized(raw, limit: 40)) ms)")
            try? spool.setMeta(.clockOffsetMs, nil)
            return 0
        }
        return Double(ms) / 1000
    }

    /// Saves `offset` (seconds); 0 or an implausible value removes it.
    package static func save(_ offset: TimeInterval, spool: Spool, log: TelemetryLog) {
        let value = offset != 0 && S3Client.isPlausibleOffset(offset) ? String(Int64(offset * 1000)) : nil
        do {
            try spool.setMeta(.clockOffsetMs, value)
        } catch {
            log.write("could not save the clock offset: \(error)")
        }
    }

    /// `+1200 s` / `-35 s`.
    package static func describe(_ offset: TimeInterval) -> String {
        String(format: "%@%.0f s", offset >= 0 ? "+" : "-", abs(offset))
    }
}
