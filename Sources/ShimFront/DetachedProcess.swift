#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a process fully detached from the user's terminal: its own session, stdin,
/// stdout and stderr on /dev/null, default signal handling, and nobody waits for it.
/// Used for the background recorder and the background flush.
public enum DetachedProcess {
    @discardableResult
    public static func spawn(path: String, arguments: [String]) throws -> pid_t {
        guard access(path, X_OK) == 0 else { throw ChildProcessError.spawnFailed(path: path, errno: ENOENT) }
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
