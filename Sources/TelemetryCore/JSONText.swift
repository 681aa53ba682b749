import TelemetryRules

/// Minimal, deterministic JSON text writing for the envelope: fixed field order, sorted
/// `data` keys, no whitespace, so that the same event always serialises to the same bytes.
package enum JSONText {
    static func value(_ v: EventValue) -> String {
        switch v {
        case .string(let s): return FlatJSON.string(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .strings(let list): return "[" + list.map { FlatJSON.string($0) }.joined(separator: ",") + "]"
        }
    }

    static func object(_ data: EventData) -> String {
        "{" + data.keys.sorted().map { FlatJSON.string($0) + ":" + value(data[$0]!) }.joined(separator: ",") + "}"
    }
}
