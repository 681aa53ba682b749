import Platform

/// The running executable's own path, links resolved: where the shim finds itself (never to run
/// itself as the real `cf`), and where `cfdev-telemetry` finds its package (shipped defaults,
/// the shim to link).
package enum OwnExecutable {
    package static func path() -> String? {
        #if os(Linux)
        return resolve("/proc/self/exe")
        #else
        return CommandLine.arguments.first.flatMap(resolve)
        #endif
    }

    /// `realpath(3)` of `path`, or nil.
    package static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
