import Platform

/// Where the telemetry files live: `$CFDEV_HOME/telemetry`, `CFDEV_HOME` defaulting to
/// `$HOME/.cfdev`, and `HOME` to the user's home in the password database. The same
/// answer for the shim's front and for everything else. A relative `CFDEV_HOME` is taken
/// from the current folder, by every command alike; trailing slashes are dropped, so
/// `CFDEV_HOME=/` means `/telemetry`, not `//telemetry`.
package enum TelemetryHomePath {
    package static func directory(_ get: (String) -> String?) -> String {
        if let cfdevHome = get("CFDEV_HOME"), !cfdevHome.isEmpty { return withoutTrailingSlashes(cfdevHome) + "/telemetry" }
        return withoutTrailingSlashes(userHome(get)) + "/.cfdev/telemetry"
    }

    /// `path` without the slashes at its end (`/` becomes empty, to be followed by `/name`).
    static func withoutTrailingSlashes(_ path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `HOME` if set and not empty, else the current user's entry in `/etc/passwd`, else `/`
    /// (never a relative path). `/etc/passwd` is read directly rather than through
    /// `getpwuid`, which a static executable (the shim) cannot use safely.
    package static func userHome(_ get: (String) -> String?) -> String {
        if let home = get("HOME"), !home.isEmpty { return home }
        return passwordFileHome(uid: getuid()) ?? "/"
    }

    /// The home folder of `uid` in `/etc/passwd` (`name:x:uid:gid:gecos:home:shell`).
    static func passwordFileHome(uid: uid_t, path: String = "/etc/passwd") -> String? {
        guard case .contents(let bytes) = SafeFile.read(path, limit: 8 << 20, followingLinks: true) else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard fields.count >= 7, String(decoding: fields[2], as: UTF8.self) == String(uid) else { continue }
            let home = String(decoding: fields[5], as: UTF8.self)
            return home.hasPrefix("/") ? home : nil
        }
        return nil
    }
}
