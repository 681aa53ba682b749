import TelemetryRules

/// The checks the front makes with libc alone, before anything heavier is loaded: the
/// environment's kill switches, the terminal, and the saved consent.
enum FrontGate {
    /// The saved consent as far as the front needs it.
    enum SavedConsent: Sendable { case on, off, unknown }

    /// The consent file of the telemetry home, read the way every other reader reads it;
    /// a file saved under another policy version counts as never asked.
    static func savedConsent() -> SavedConsent {
        switch ConsentFile.read(directory: TelemetryHomePath.directory(processEnvironment))?.stateInForce {
        case .on?: return .on
        case .off?: return .off
        case nil: return .unknown
        }
    }
}
