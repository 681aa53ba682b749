#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks the front makes with libc alone, before anything heavier is loaded: the
/// environment's kill switches, the terminal, and the saved consent.
public enum FrontGate {
    /// `DO_NOT_TRACK`, `CFDEV_TELEMETRY_DISABLED` or `CI` set (and not 0/false/no).
    public static func disabledByEnvironment() -> Bool {
        let names: [String] = ["DO_NOT_TRACK", "CFDEV_TELEMETRY_DISABLED", "CI"]
        return names.contains { isSet(getenv($0)) }
    }

    static func isSet(_ raw: UnsafeMutablePointer<CChar>?) -> Bool {
        guard let raw else { return false }
        let value = String(cString: raw).lowercased().filter { $0 != " " && $0 != "\t" }
        return !value.isEmpty && value != "0" && value != "false" && value != "no"
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
