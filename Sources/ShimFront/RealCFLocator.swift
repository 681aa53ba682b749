#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the real `cf` the shim stands in for: `CFDEV_TELEMETRY_REAL_CF` if set, else the
/// first executable `cf` on `PATH` whose resolved path is not the shim's own (so a
/// symlinked shim never runs itself). Uses only libc: it runs before every command.
public enum RealCFLocator {
    public static func locate(environment get: (String) -> String?, selfPath: String?) -> String? {
        if let explicit = get("CFDEV_TELEMETRY_REAL_CF"), !explicit.isEmpty {
            return isExecutableFile(explicit) ? explicit : nil
        }
        let me = selfPath.flatMap(resolve)
        for directory in (get("PATH") ?? "").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/cf"
            guard isExecutableFile(candidate), let resolved = resolve(candidate) else { continue }
            if resolved != me { return candidate }
        }
        return nil
    }

    /// The shim's own executable, resolved (`/proc/self/exe` on Linux).
    public static func ownExecutable() -> String? {
        #if os(Linux)
        return resolve("/proc/self/exe")
        #else
        return CommandLine.arguments.first.flatMap(resolve)
        #endif
    }

    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
