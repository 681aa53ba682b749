import Platform
import TelemetryRules

/// Finds the real `cf` the shim stands in for: `CFDEV_TELEMETRY_REAL_CF` if set (unless it
/// names the shim), else the first executable `cf` on `PATH` that is not a shim
/// (`ShimIdentity`). Paths are bytes from the environment, never re-encoded. Uses only
/// libc: it runs before every command.
package enum RealCFLocator {
    package static func locate(identity: ShimIdentity, environment get: (String) -> [UInt8]? = environmentBytes) -> [UInt8]? {
        if let explicit = get("CFDEV_TELEMETRY_REAL_CF"), !explicit.isEmpty {
            guard isExecutableFile(explicit) else { return nil }
            if !identity.isShim(explicit) { return explicit }
        }
        return firstOnPath("cf", environment: get) { !identity.isShim($0) }
    }

    /// The first executable regular file `name` in the folders of `PATH` (an empty entry is
    /// the current folder, as for a shell) that `accept` takes.
    package static func firstOnPath(
        _ name: String, environment get: (String) -> [UInt8]? = environmentBytes, accept: ([UInt8]) -> Bool = { _ in true }
    ) -> [UInt8]? {
        for directory in (get("PATH") ?? []).split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? [UInt8(ascii: ".")] : Array(directory)) + Array(("/" + name).utf8)
            if isExecutableFile(candidate) && accept(candidate) { return candidate }
        }
        return nil
    }

    /// An environment variable's bytes, exactly as set.
    package static func environmentBytes(_ name: String) -> [UInt8]? {
        guard let value = getenv(name) else { return nil }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)))
    }

    static func isExecutableFile(_ path: [UInt8]) -> Bool {
        withCPath(path) { cPath in
            var info = stat()
            guard stat(cPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
            return access(cPath, X_OK) == 0
        }
    }
}
