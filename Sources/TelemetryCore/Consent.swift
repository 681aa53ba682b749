import Foundation
import ShimFront

/// The user's saved answer. `unknown` means never asked (or asked under an older policy).
public enum ConsentState: String, Sendable, Codable {
    case unknown, on, off
}

/// What was agreed to, when, under which policy version; kept in `consent.json` in the
/// telemetry home, apart from the spool, so that a recreated spool never loses it.
public struct ConsentRecord: Sendable, Codable, Equatable {
    /// Bump when what is collected changes: everyone is asked again.
    public static let currentPolicyVersion = ConsentPolicy.version

    public var state: ConsentState
    public var time: String
    public var policyVersion: Int

    enum CodingKeys: String, CodingKey {
        case state, time
        case policyVersion = "policy_version"
    }

    public init(state: ConsentState, time: String, policyVersion: Int = ConsentRecord.currentPolicyVersion) {
        self.state = state
        self.time = time
        self.policyVersion = policyVersion
    }
}

/// Reads and writes `consent.json`.
public struct ConsentStore: Sendable {
    public let home: TelemetryHome

    public init(home: TelemetryHome) {
        self.home = home
    }

    /// The saved record, or nil when there is none (or it cannot be read).
    public func load() -> ConsentRecord? {
        guard let data = FileManager.default.contents(atPath: home.consentPath) else { return nil }
        return try? JSONDecoder().decode(ConsentRecord.self, from: data)
    }

    /// The state in force: a record saved under another policy version counts as never asked.
    public func state() -> ConsentState {
        guard let record = load(), record.policyVersion == ConsentRecord.currentPolicyVersion else { return .unknown }
        return record.state
    }

    /// Saves the answer atomically (write a private temporary file, then rename).
    public func save(_ state: ConsentState, now: Int64 = Timestamp.nowMilliseconds()) throws {
        try home.ensureExists()
        let record = ConsentRecord(state: state, time: Timestamp.iso8601(milliseconds: now))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(record)
        let temporary = home.consentPath + ".tmp"
        try TelemetryHome.ensurePrivateFile(temporary)
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, home.consentPath) == 0 else {
            throw TelemetryError.io("cannot save \(home.consentPath) (errno \(errno))")
        }
    }
}

/// The environment's word on telemetry, which always wins over the saved state (SPEC §4).
public enum EnvironmentGate {
    /// Why telemetry is off whatever was saved, or nil when the environment allows it:
    /// `DO_NOT_TRACK`, `CFDEV_TELEMETRY_DISABLED`, or `CI`.
    public static func disabledReason(_ environment: [String: String]) -> String? {
        FrontGate.killSwitches.first { isSet(environment[$0]) }
    }

    public static func isSet(_ value: String?) -> Bool {
        FrontGate.isSet(value)
    }

    /// Interactive means a person is there: stdin and stderr are both terminals.
    public static func isInteractive() -> Bool {
        FrontGate.isInteractive()
    }
}
