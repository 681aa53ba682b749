/// What the shim does with a command line.
package enum ShimAction: Sendable, Equatable {
    /// Not in the catalog: run the real `cf` and touch nothing.
    case passThrough
    /// `cf dev telemetry [--on|--off|--forget]`: handled by the shim, never passed on.
    case telemetry(TelemetrySubcommand)
    /// A catalog command: record it, then run the real `cf`.
    case tracked(TrackedCommand)
}

/// `cf dev telemetry` alone, `--on`, `--off`, `--forget [--yes]`, `--help`, or something it
/// does not understand.
package enum TelemetrySubcommand: Sendable, Equatable {
    case status, on, off, help
    /// `--forget`; `confirmed`: with `--yes` (no question asked).
    case forget(confirmed: Bool)
    case invalid(String)
}

/// A recognised catalog command, reduced to what may be recorded.
package struct TrackedCommand: Sendable, Equatable {
    package var event: EventName
    /// Whether it counts only when the CF CLI targets a CF Dev API (commands not `cf dev …`).
    package var requiresCFDevTarget: Bool
    /// Allow-listed values that identify nothing (flag names, sizes, catalog names).
    package var data: EventData
    /// Names to send only as salted hashes, by data key (`app_hash` → the app name). Kept in
    /// memory only; the raw names never reach the spool.
    package var namesToHash: [String: String]

    package init(event: EventName, requiresCFDevTarget: Bool, data: EventData = [:], namesToHash: [String: String] = [:]) {
        self.event = event
        self.requiresCFDevTarget = requiresCFDevTarget
        self.data = data
        self.namesToHash = namesToHash
    }

    /// The `data` to record: the allow-listed values plus the salted hashes of the names.
    package func recordedData(hasher: NameHasher) -> EventData {
        var result = data
        for (key, name) in namesToHash where !name.isEmpty {
            result[key] = .string(hasher.hash(name))
        }
        return result
    }
}
