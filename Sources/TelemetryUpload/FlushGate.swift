import Foundation
import TelemetryCore
import TelemetryRules

/// Whether a flush may send anything, and what. A pending erasure request ("forget me") goes
/// whatever the consent or an override says: it is the one upload that removes data, and holds
/// only the anonymous ID. Events go only with consent on (or as the final flush of `off`) and
/// no override. Without a telemetry folder nothing was ever recorded, and a flush must not
/// create one (a background flush that outlives its home would plant it again).
package enum FlushGate {
    /// What a flush may do.
    package enum Decision: Sendable, Equatable {
        /// Nothing to send, and why.
        case closed(FlushRunOutcome.NothingSentReason)
        /// Go on: whether events may be sent, and whether an erasure request is pending.
        case open(eventsAllowed: Bool, erasurePending: Bool)
    }

    /// Reads the erasure record, `environment`'s switches and the managed policy, the folder
    /// and the consent (in that order, as each can close the gate); writes nothing.
    package static func decide(home: TelemetryHome, environment: (String) -> String?, final: Bool) -> Decision {
        let erasurePending = ((try? ErasureRecord.load(home: home)) ?? nil)?.isPending == true
        var eventsAllowed = true
        if let override = TelemetryOverride.current(environment) {
            guard erasurePending else { return .closed(.override(override)) }
            eventsAllowed = false
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home.directory, isDirectory: &isFolder), isFolder.boolValue else {
            return .closed(.noTelemetryFolder(directory: home.directory))
        }
        if !final && ConsentStore(home: home).state() != .on {
            guard erasurePending else { return .closed(.telemetryNotOn) }
            eventsAllowed = false
        }
        return .open(eventsAllowed: eventsAllowed, erasurePending: erasurePending)
    }
}
