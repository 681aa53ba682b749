#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks the front makes with libc alone, before anything heavier is loaded: the
/// environment's kill switches, the terminal, and the saved consent.
public enum FrontGate {
    /// The variables that turn telemetry off whatever was saved, in the order reported.
    public static let killSwitches = ["DO_NOT_TRACK", "CFDEV_TELEMETRY_DISABLED", "CI"]

    /// A kill switch set (and not 0/false/no).
    public static func disabledByEnvironment() -> Bool {
        killSwitches.contains { isSet(getenv($0)) }
    }

    /// Whether a flag variable's value means "set": non-empty and not 0, false or no
    /// (case and surrounding blanks ignored).
    public static func isSet(_ value: String?) -> Bool {
        guard let value else { return false }
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let trimmed = String(value.drop(while: blank).reversed().drop(while: blank).reversed()).lowercased()
        return !trimmed.isEmpty && trimmed != "0" && trimmed != "false" && trimmed != "no"
    }

    static func isSet(_ raw: UnsafeMutablePointer<CChar>?) -> Bool {
        isSet(raw.map { String(cString: $0) })
    }

    /// `CFDEV_TELEMETRY_DEBUG` (print each event as it is recorded) or
    /// `CFDEV_TELEMETRY_SYNC` (record before returning): the recorder runs in the foreground.
    public static func wantsForeground() -> Bool {
        isSet(getenv("CFDEV_TELEMETRY_DEBUG")) || isSet(getenv("CFDEV_TELEMETRY_SYNC"))
    }

    /// A person is there: stdin and stderr are terminals.
    public static func isInteractive() -> Bool {
        isatty(0) == 1 && isatty(2) == 1
    }

    /// The saved consent as far as the front needs it.
    public enum SavedConsent: Sendable { case on, off, unknown }

    /// Reads `consent.json` of the telemetry home (`$CFDEV_HOME/telemetry`, `CFDEV_HOME`
    /// defaulting to `$HOME/.cfdev`). The file is written by this project in one fixed
    /// form; anything unexpected counts as `unknown`, which the full shim then examines.
    public static func savedConsent() -> SavedConsent {
        guard let text = readSmallFile(telemetryHome() + "/consent.json"),
              text.contains("\"policy_version\":\(ConsentPolicy.version),")
        else { return .unknown }
        if text.contains("\"state\":\"off\"") { return .off }
        if text.contains("\"state\":\"on\"") { return .on }
        return .unknown
    }

    static func telemetryHome() -> String {
        if let home = getenv("CFDEV_HOME"), home.pointee != 0 { return String(cString: home) + "/telemetry" }
        let base = getenv("HOME").map { String(cString: $0) } ?? ""
        return base + "/.cfdev/telemetry"
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
