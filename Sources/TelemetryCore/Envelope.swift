import Foundation
import TelemetryRules

/// One recorded event, exactly eight data points (schema, event_id, event,
/// timestamp, anonymous_id, os, build, data). Its `jsonLine` is the
/// byte-for-byte line that is stored in the spool, shown by `show --json` and uploaded.
package struct Envelope: Sendable, Equatable {
    /// The envelope version carried in `schema`.
    package static let schemaVersion = 1

    package var schema: Int
    package var eventID: String
    package var event: EventName
    package var timestamp: String
    package var anonymousID: String
    package var os: String
    package var build: String
    package var data: EventData

    package init(
        schema: Int = Envelope.schemaVersion, eventID: String = Envelope.newEventID(),
        event: EventName, timestamp: String, anonymousID: String, os: String,
        build: String = BuildInfo.version, data: EventData = [:]
    ) {
        self.schema = schema
        self.eventID = eventID
        self.event = event
        self.timestamp = timestamp
        self.anonymousID = anonymousID
        self.os = os
        self.build = build
        self.data = data
    }

    /// A fresh random event ID (UUID v4, lower case), used downstream to de-duplicate.
    package static func newEventID() -> String {
        UUID().uuidString.lowercased()
    }

    /// The NDJSON line (without the newline), fields in a fixed order.
    package var jsonLine: String {
        "{\"schema\":\(schema),\"event_id\":\(FlatJSON.string(eventID)),\"event\":\(FlatJSON.string(event.rawValue)),"
            + "\"timestamp\":\(FlatJSON.string(timestamp)),\"anonymous_id\":\(FlatJSON.string(anonymousID)),"
            + "\"os\":\(FlatJSON.string(os)),\"build\":\(FlatJSON.string(build)),\"data\":\(JSONText.object(data))}"
    }

    /// The UTC day the event belongs to (`YYYY-MM-DD`), which decides its upload partition.
    package var day: String { Timestamp.day(ofISO8601: timestamp) }
}
