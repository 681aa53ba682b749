import TelemetryRules

/// The checks the front makes with libc alone, before anything heavier is loaded: the
/// environment's kill switches, the terminal, and the saved consent.
enum FrontGate {
    /// The answer in force in the telemetry home's consent file, read the way every other
    /// reader reads it; nil when never asked (or asked under another policy version).
    static func savedConsent() -> ConsentFile.State? {
        ConsentFile.read(directory: TelemetryHomePath.directory(processEnvironment))?.stateInForce
    }
}
