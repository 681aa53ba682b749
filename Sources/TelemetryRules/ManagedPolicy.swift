import Platform

/// The machine-wide word of an administrator, as browsers and editors take managed policies:
/// `/etc/cfdev-telemetry/managed.json` holding `{"disabled": true}` turns telemetry off for every
/// user of the machine (no question, nothing recorded or sent, `on` refused), whatever a user
/// saved. Only a file an ordinary user cannot have written counts: a regular file (a link to one
/// is followed) owned by root in a folder owned by root, neither writable by group or others. A
/// trusted file that is not a JSON object with a boolean `disabled` is taken as turning telemetry
/// off: an administrator meant something, and off is the side of privacy. libc only (the shim's
/// front reads it).
package enum ManagedPolicy {
    package static let path = "/etc/cfdev-telemetry/managed.json"
    /// The most the file may hold.
    static let maxBytes = 4096

    package enum State: Equatable, Sendable {
        /// No file: users decide.
        case absent
        /// The file says `{"disabled": false}`: users decide.
        case allowed
        /// Telemetry is off for every user; `reason` says why when the file was not plain
        /// (`nil` for `{"disabled": true}`).
        case disabled(reason: String?)
        /// A file is there but another user could have written it (or it cannot be read as a
        /// small regular file): ignored, and `status` and `doctor` say so.
        case untrusted(String)
    }

    package static func state(path: String = ManagedPolicy.path) -> State {
        let fd: Int32
        switch SafeFile.openRegular(path, flags: O_RDONLY, followingLinks: true) {
        case .success(let opened): fd = opened
        case .failure(let problem):
            return problem.code == ENOENT || problem.code == ENOTDIR ? .absent : .untrusted("it \(problem.reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .untrusted("it cannot be looked at") }
        if let problem = untrusted(info, "it") { return .untrusted(problem) }
        var folder = stat()
        let parent = parentFolder(of: path)
        guard stat(parent, &folder) == 0 else { return .untrusted("its folder \(parent) cannot be looked at") }
        if let problem = untrusted(folder, "its folder \(parent)") { return .untrusted(problem) }
        guard Int(info.st_size) <= maxBytes else { return .untrusted("it is larger than \(maxBytes) bytes") }
        let bytes: [UInt8]
        switch SafeFile.read(descriptor: fd, limit: maxBytes) {
        case .contents(let read): bytes = read
        case .missing: bytes = []
        case .tooLarge: return .untrusted("it is larger than \(maxBytes) bytes")
        case .refused(let why): return .untrusted("it cannot be read (\(why))")
        }
        guard let text = String(validating: bytes, as: UTF8.self), let object = FlatJSON.parseObject(text),
            case .boolean(let disabled) = object["disabled"]
        else { return .disabled(reason: "it is not {\"disabled\": true} or {\"disabled\": false}; taken as disabled") }
        return disabled ? .disabled(reason: nil) : .allowed
    }

    /// Why a file or folder with `info` could have been written by an ordinary user, if so.
    static func untrusted(_ info: stat, _ what: String) -> String? {
        if info.st_uid != 0 { return "\(what) is not owned by root (uid \(info.st_uid))" }
        if info.st_mode & 0o022 != 0 {
            return "\(what) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8)))"
        }
        return nil
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Why telemetry is off whatever a user saved: the machine's managed policy, or a kill switch of
/// the environment. Every part that records, asks or sends checks it.
package enum TelemetryOverride: Equatable, Sendable {
    case managed(path: String)
    case environment(variable: String)

    /// The environment's kill switches first (the managed policy is not read when one is set),
    /// then the managed policy. `managed`: its state, when the caller has read it already
    /// (`status` and `doctor` also show why a policy file is ignored).
    package static func current(
        _ get: (String) -> String?, managed: @autoclosure () -> ManagedPolicy.State = ManagedPolicy.state()
    ) -> TelemetryOverride? {
        if let variable = EnvironmentSwitches.disabledReason(get) { return .environment(variable: variable) }
        if case .disabled = managed() { return .managed(path: ManagedPolicy.path) }
        return nil
    }

    /// `DO_NOT_TRACK is set in the environment`, `telemetry is turned off for every user of this
    /// machine by /etc/cfdev-telemetry/managed.json`.
    package var cause: String {
        switch self {
        case .environment(let variable): return "\(variable) is set in the environment"
        case .managed(let path): return "telemetry is turned off for every user of this machine by \(path)"
        }
    }
}
