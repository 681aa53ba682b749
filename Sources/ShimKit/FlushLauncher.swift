import TelemetryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `cfdev-telemetry flush` from the shim: detached in the background ("flush on
/// next invocation"), or as the short, bounded final flush of `telemetry --off`.
public struct FlushLauncher: Sendable {
    /// The `cfdev-telemetry` executable: `CFDEV_TELEMETRY_FLUSHER`, else the one beside the
    /// shim's resolved path.
    public let flusherPath: String?

    public init(environment: [String: String], shimPath: String?) {
        if let explicit = environment["CFDEV_TELEMETRY_FLUSHER"], !explicit.isEmpty {
            flusherPath = explicit
        } else if let shimPath, let slash = shimPath.lastIndex(of: "/") {
            flusherPath = String(shimPath[..<slash]) + "/cfdev-telemetry"
        } else {
            flusherPath = nil
        }
    }

    /// Starts `flush --background` in its own session, with no terminal and stdio on
    /// /dev/null, and does not wait for it. Returns its pid.
    @discardableResult
    public func startBackground() throws -> pid_t {
        try spawnDetached(["flush", "--background"])
    }

    /// Runs `flush --final`, waiting at most `seconds`; a flusher still running then is
    /// killed (what it had not uploaded stays pending until it is purged).
    public func runFinal(seconds: Double) throws {
        let pid = try spawnDetached(["flush", "--final", "--timeout", String(seconds)])
        let deadline = Timestamp.nowMilliseconds() + Int64(seconds * 1000) + 500
        var status: Int32 = 0
        while Timestamp.nowMilliseconds() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    func spawnDetached(_ arguments: [String]) throws -> pid_t {
        guard let path = flusherPath, access(path, X_OK) == 0 else {
            throw ChildProcessError.spawnFailed(path: flusherPath ?? "cfdev-telemetry", errno: ENOENT)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(spawnSetSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let result = ChildProcess.withCStrings([path] + arguments) { argv in
            posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        }
        guard result == 0 else { throw ChildProcessError.spawnFailed(path: path, errno: result) }
        return pid
    }
}

/// `POSIX_SPAWN_SETSID` (glibc 2.26+, macOS), which the C headers expose only behind a macro.
#if os(Linux)
private let spawnSetSID: Int32 = 0x80
#else
private let spawnSetSID: Int32 = POSIX_SPAWN_SETSID
#endif
