import Platform

/// The environment's word on telemetry, which always wins over the saved consent, and the
/// one rule for reading a flag variable. Shared by the shim's front and everything else.
package enum EnvironmentSwitches {
    /// The variables that turn telemetry off whatever was saved, in the order reported.
    package static let killSwitches = ["DO_NOT_TRACK", "CFDEV_TELEMETRY_DISABLED", "CI"]

    /// Whether a flag variable's value means "set": non-empty and not 0, false or no
    /// (case and blanks around the value ignored).
    package static func isSet(_ value: String?) -> Bool {
        guard let value else { return false }
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let trimmed = String(value.drop(while: blank).reversed().drop(while: blank).reversed()).lowercased()
        return !trimmed.isEmpty && trimmed != "0" && trimmed != "false" && trimmed != "no"
    }

    /// The kill switch that is set, or nil when the environment allows telemetry.
    package static func disabledReason(_ get: (String) -> String?) -> String? {
        killSwitches.first { isSet(get($0)) }
    }

    /// `CFDEV_TELEMETRY_DEBUG`: print each event as it is recorded (and problems to stderr).
    package static func isDebugging(_ get: (String) -> String?) -> Bool {
        isSet(get("CFDEV_TELEMETRY_DEBUG"))
    }

    /// `CFDEV_TELEMETRY_DEBUG` or `CFDEV_TELEMETRY_SYNC` (record before returning): the
    /// recorder runs in the foreground.
    package static func wantsForeground(_ get: (String) -> String?) -> Bool {
        isDebugging(get) || isSet(get("CFDEV_TELEMETRY_SYNC"))
    }

    /// A person is there: stdin and stderr are terminals.
    package static func isInteractive() -> Bool {
        isatty(0) == 1 && isatty(2) == 1
    }

    /// This process may read its terminal without being stopped: it is in the foreground job
    /// of its controlling terminal, or stdin is a terminal that is not its controlling one (no
    /// job control applies). A question asked from a background job (`cf dev start &`) would
    /// stop the job (SIGTTIN).
    package static func isForegroundJob() -> Bool {
        let foreground = tcgetpgrp(0)
        return foreground < 0 || foreground == getpgrp()
    }
}

/// The process environment, read with libc (`getenv`), as a lookup function.
package func processEnvironment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
