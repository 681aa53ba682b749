import Foundation
import TelemetryRules

/// Turns catalog events into envelopes and stores them in the spool: the one way events
/// enter the spool, used by the shim and by `cfdev-telemetry off`.
package struct Recorder: Sendable {
    package let home: TelemetryHome
    package let environment: [String: String]
    package let log: TelemetryLog

    package init(home: TelemetryHome, environment: [String: String], log: TelemetryLog) {
        self.home = home
        self.environment = environment
        self.log = log
    }

    /// One event to record: its name, its allow-listed data, when it happened.
    package struct Occurrence: Sendable {
        package var event: EventName
        package var data: EventData
        package var milliseconds: Int64

        package init(event: EventName, data: EventData = [:], milliseconds: Int64 = WallClock.nowMilliseconds()) {
            self.event = event
            self.data = data
            self.milliseconds = milliseconds
        }
    }

    /// The anonymous ID of this machine: the OS machine ID's derivation, or that of the
    /// random ID kept in the spool when the OS has none.
    package func anonymousID(spool: Spool) throws -> String {
        let machineID = try MachineID.readOSMachineID(environment: environment) ?? spool.fallbackMachineID()
        return AnonymousID.derive(from: machineID)
    }

    /// Stores the occurrences in one transaction and returns their envelopes. With
    /// `whileConsentOn`, consent is read again inside the transaction (after any wait for the
    /// spool's lock): if it was turned off meanwhile (`off` saves that, then deletes what is
    /// pending under the same lock), nothing is stored and nothing returned.
    @discardableResult
    package func record(_ occurrences: [Occurrence], in spool: Spool, cap: Int, whileConsentOn: Bool = false) throws -> [Envelope] {
        let id = try anonymousID(spool: spool)
        let os = OSInfo.current()
        let envelopes = occurrences.map {
            Envelope(
                event: $0.event, timestamp: Timestamp.iso8601(milliseconds: $0.milliseconds),
                anonymousID: id, os: os, data: $0.data)
        }
        let consent = ConsentStore(home: home)
        guard try spool.record(envelopes, cap: cap, when: { !whileConsentOn || consent.state() == .on }) else {
            log.write("not recorded: telemetry was turned off meanwhile")
            return []
        }
        if EnvironmentSwitches.isDebugging({ environment[$0] }) {
            for envelope in envelopes {
                // Not FileHandle: its write traps on a closed or broken stderr.
                SafeFile.writeAll(2, Array(("cfdev-telemetry: recorded " + envelope.jsonLine + "\n").utf8))
            }
        }
        return envelopes
    }

    /// Opens the spool and runs `body`; if the spool turns out corrupt midway, it is moved
    /// aside, recreated, and `body` runs once more on the new one.
    package func withSpool<T>(
        busyTimeout: TimeInterval = Spool.defaultBusyTimeout,
        _ body: (Spool) throws -> T
    ) throws -> T {
        let spool = try Spool.open(home: home, log: log, busyTimeout: busyTimeout)
        do {
            return try body(spool)
        } catch {
            guard Spool.isCorruption(error) else { throw error }
            let aside = try Spool.moveAside(path: home.spoolPath)
            log.write("spool became unreadable (\(error)); moved aside to \(aside) and recreated")
            return try body(try Spool.open(home: home, log: log, busyTimeout: busyTimeout))
        }
    }
}
