import Platform

/// The version of what the user is asked to agree to. Bump it when what is collected
/// changes: everyone is asked again on their next `cf dev start`.
package enum ConsentPolicy {
    package static let version = 1
}

/// `consent.json`: the user's saved answer, when it was given and under which policy
/// version. One flat JSON object, written and read by this code alone (the shim's front
/// reads it with libc only, before every catalog command).
package struct ConsentFile: Sendable, Equatable {
    /// The saved answers. Anything else in the file makes it unreadable (never asked).
    package enum State: String, Sendable { case on, off }

    package var state: State
    /// When the answer was given, ISO 8601 UTC.
    package var time: String
    package var policyVersion: Int

    /// The file name inside the telemetry home.
    package static let fileName = "consent.json"
    /// A consent file is tiny; anything longer is not one of ours.
    package static let maxBytes = 4096

    package init(state: State, time: String, policyVersion: Int = ConsentPolicy.version) {
        self.state = state
        self.time = time
        self.policyVersion = policyVersion
    }

    /// The answer in force: nil when it was given under another policy version, which
    /// counts as never asked (the one place that rule is written).
    package var stateInForce: State? {
        policyVersion == ConsentPolicy.version ? state : nil
    }

    /// `{"policy_version":1,"state":"on","time":"2026-11-23T18:50:20.123Z"}` and a newline.
    package var text: String {
        "{\"policy_version\":\(policyVersion),\"state\":\"\(state.rawValue)\",\"time\":\(FlatJSON.string(time))}\n"
    }

    /// Parses what `text` wrote; nil for anything else (wrong types, missing or unknown
    /// fields, an unknown state, trailing garbage).
    package init?(text: String) {
        guard let fields = FlatJSON.parseObject(text), fields.count == 3,
            case .integer(let version)? = fields["policy_version"],
            case .string(let stateText)? = fields["state"], let state = State(rawValue: stateText),
            case .string(let time)? = fields["time"]
        else { return nil }
        self.init(state: state, time: time, policyVersion: version)
    }

    /// Reads the consent file of `directory` (regular files only, never blocking, never
    /// following a link): nil when absent, unreadable or not in this format.
    package static func read(directory: String) -> ConsentFile? {
        guard case .contents(let bytes) = SafeFile.read(directory + "/" + fileName, limit: maxBytes) else { return nil }
        return ConsentFile(text: String(decoding: bytes, as: UTF8.self))
    }
}
