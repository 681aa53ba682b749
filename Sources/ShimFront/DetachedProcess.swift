import Platform
import TelemetryRules

/// Starts a process fully detached from the user's terminal: its own session, stdout and
/// stderr on /dev/null, no other descriptor of the caller's, default signal handling, and
/// nobody waits for it. Its stdin is
/// /dev/null, or a pipe already holding `input` (written in full before the spawn, without
/// blocking: what does not fit in the pipe is not sent and the process is not started).
/// Used for the background recorder and the background flush.
package enum DetachedProcess {
    @discardableResult
    package static func spawn(path: String, arguments: CommandLineBytes, input: [UInt8]? = nil) throws -> pid_t {
        let pathBytes = Array(path.utf8)
        guard access(path, X_OK) == 0 else { throw ChildProcessError.spawnFailed(path: path, errno: ENOENT) }
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var inputFD: Int32 = -1
        defer { if inputFD >= 0 { close(inputFD) } }
        if let input {
            inputFD = try pipeHolding(input, path: path)
            posix_spawn_file_actions_adddup2(&actions, inputFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        for fd: Int32 in [1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
        }
        // Only stdin, stdout and stderr, as set up above: nothing else the caller inherited.
        for fd in inheritableDescriptorsAboveStandard() where fd != inputFD {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = SpawnAttributes.empty()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(
            &attributes, Int16(spawnSetSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | spawnCloseOthersFlag))

        var pid: pid_t = 0
        let result = (CommandLineBytes([pathBytes]) + arguments).withArgv { argv in
            posix_spawn(&pid, path, &actions, &attributes, argv, environmentBlock())
        }
        guard result == 0 else { throw ChildProcessError.spawnFailed(path: path, errno: result) }
        return pid
    }

    /// `spawn` with arguments given as text (words the program itself chose).
    @discardableResult
    package static func spawn(path: String, arguments: [String]) throws -> pid_t {
        try spawn(path: path, arguments: CommandLineBytes(text: arguments), input: nil)
    }

    /// The read end of a close-on-exec pipe that already holds all of `bytes` (its write
    /// end closed), grown on Linux when `bytes` needs it.
    static func pipeHolding(_ bytes: [UInt8], path: String) throws -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcessError.spawnFailed(path: path, errno: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { close(fds[1]) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        #if os(Linux)
        if bytes.count > 65536 { _ = fcntl(fds[1], linuxSetPipeSize, Int32(clamping: bytes.count)) }
        #endif
        guard SafeFile.writeAll(fds[1], bytes) else {
            close(fds[0])
            throw ChildProcessError.spawnFailed(path: path, errno: EMSGSIZE)
        }
        return fds[0]
    }
}

#if os(Linux)
/// `POSIX_SPAWN_SETSID` (glibc 2.26+), which the C headers expose only behind a macro.
private let spawnSetSID: Int32 = 0x80
/// `F_SETPIPE_SZ`, likewise.
private let linuxSetPipeSize: Int32 = 1031
#else
private let spawnSetSID: Int32 = POSIX_SPAWN_SETSID
#endif
