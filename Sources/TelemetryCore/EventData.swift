/// One allow-listed value of an event's `data`: never free text typed by the user, only
/// numbers, flags, catalog values and salted hashes.
package enum EventValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case strings([String])
}

/// The `data` object of an envelope. Keys are emitted sorted, so the JSON is deterministic.
package typealias EventData = [String: EventValue]
