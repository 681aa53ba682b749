import Foundation
import TelemetryRules

/// Reads the operating system's machine ID, which is never stored nor sent as it is:
/// only `AnonymousID.derive(from:)` of it leaves this module.
package enum MachineID {
    /// The files tried, in order. `CFDEV_TELEMETRY_MACHINE_ID_FILE` names another one
    /// (containers and cloned VMs share or lack `/etc/machine-id`).
    static func candidateFiles(environment: [String: String]) -> [String] {
        if let file = environment["CFDEV_TELEMETRY_MACHINE_ID_FILE"], !file.isEmpty {
            return [file]
        }
        return ["/etc/machine-id", "/var/lib/dbus/machine-id"]
    }

    /// A machine-id file holds 33 bytes; anything much longer is not one.
    static let maxFileBytes = 512

    /// The OS machine ID, or nil when it is missing, empty or all zeros (then the caller
    /// falls back to a random ID generated once and kept in the spool).
    package static func readOSMachineID(environment: [String: String]) -> String? {
        #if os(macOS)
        if environment["CFDEV_TELEMETRY_MACHINE_ID_FILE"].map(\.isEmpty) ?? true, let id = platformUUID(), isUsable(id) {
            return id
        }
        #endif
        for path in candidateFiles(environment: environment) {
            // A regular file of at most a few hundred bytes: never a FIFO, a device or a link's target.
            guard case .contents(let bytes) = SafeFile.read(path, limit: maxFileBytes, followingLinks: true),
                let raw = String(validating: bytes, as: UTF8.self)
            else { continue }
            let id = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if isUsable(id) { return id }
        }
        return nil
    }

    #if os(macOS)
    /// The IOPlatformUUID, as `ioreg -rd1 -c IOPlatformExpertDevice` prints it.
    /// (Not exercised by the test suite, which runs on Linux.)
    static func platformUUID() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ioreg")
        process.arguments = ["-rd1", "-c", "IOPlatformExpertDevice"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("\"IOPlatformUUID\"") }) else { return nil }
        let quoted = line.split(separator: "\"")
        return quoted.count >= 4 ? String(quoted[3]) : nil
    }
    #endif

    /// Empty or all-zero IDs identify nothing and must not be used.
    static func isUsable(_ id: String) -> Bool {
        !id.isEmpty && id.contains { $0 != "0" && $0 != "-" }
    }

    /// A random 128-bit ID in the machine-id format (32 lower-case hex digits).
    package static func generateRandom() -> String {
        Hex.encode(RandomBytes.make(16))
    }
}
