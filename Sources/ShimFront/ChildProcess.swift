import Platform
import TelemetryRules

/// The child being waited for, for the signal handlers (which cannot capture context).
nonisolated(unsafe) private var forwardedChildPID: pid_t = 0

/// Runs the real `cf` the way a shell does: same arguments, environment, stdin, stdout,
/// stderr and terminal (same process group, so the terminal's job control is untouched).
/// While it runs, SIGINT and SIGQUIT from the terminal are ignored by the shim (the terminal
/// sends them to the child too) and passed on when another process sent them (`kill -INT`,
/// `timeout -s INT`, an IDE's stop button: on Linux, where the sender is known), and SIGTERM
/// and SIGHUP are forwarded to the child. A signal the shim was started with ignored
/// (`trap '' INT HUP`, `nohup`) stays ignored, by the shim and by the child, as it would be
/// without the shim; SIGCHLD is reset to its default for the wait (a parent that ignored it
/// would make the child's status unknowable) and the child.
package enum ChildProcess {
    static let forwarded: [Int32] = [SIGTERM, SIGHUP]
    static let ignored: [Int32] = [SIGINT, SIGQUIT]

    /// A started child: its pid, and what to restore once it has been waited for.
    package struct Running {
        package let pid: pid_t
        fileprivate var previousMask: sigset_t
        fileprivate var previousActions: [Int32: sigaction]
    }

    /// Spawns `path` with the shim's signal handling in place. Throws only if it could
    /// not be started (then nothing is left changed).
    package static func start(path: [UInt8], arguments: CommandLineBytes) throws -> Running {
        var blocked = sigset_t()
        var previousMask = sigset_t()
        sigemptyset(&blocked)
        for signal in forwarded + ignored { sigaddset(&blocked, signal) }
        sigprocmask(SIG_BLOCK, &blocked, &previousMask)

        // What the user's shell ignored stays ignored, here and in the child.
        let inheritedIgnored = (forwarded + ignored + [SIGPIPE]).filter(isIgnored)
        var previousActions: [Int32: sigaction] = [:]
        for signal in ignored + forwarded + [SIGCHLD] where !inheritedIgnored.contains(signal) {
            var action = sigaction()
            sigemptyset(&action.sa_mask)
            if signal == SIGCHLD {
                setHandler(&action, SIG_DFL)
            } else if ignored.contains(signal) {
                setTerminalAwareHandler(&action)
            } else {
                setHandler(&action) { signal in
                    if forwardedChildPID > 0 { kill(forwardedChildPID, signal) }
                }
            }
            var old = sigaction()
            sigaction(signal, &action, &old)
            previousActions[signal] = old
        }

        var attributes = SpawnAttributes.empty()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in forwarded + ignored + [SIGPIPE] where !inheritedIgnored.contains(signal) { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &previousMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let result = withCPath(path) { cPath in
            arguments.withArgv { argv in posix_spawn(&pid, cPath, nil, &attributes, argv, environmentBlock()) }
        }
        var running = Running(pid: pid, previousMask: previousMask, previousActions: previousActions)
        guard result == 0 else {
            restore(&running)
            throw ChildProcessError.spawnFailed(path: String(decoding: path, as: UTF8.self), errno: result)
        }
        forwardedChildPID = pid
        sigprocmask(SIG_UNBLOCK, &blocked, nil)
        return running
    }

    /// Waits for the child, then restores the shim's own signal handling.
    package static func wait(_ child: Running) throws -> ChildExit {
        var running = child
        defer { restore(&running) }
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 {
            if errno != EINTR { throw ChildProcessError.waitFailed(errno: errno) }
        }
        return ChildExit(waitStatus: status)
    }

    /// Whether `signal` is ignored in this process now (as it was started, before `start`).
    private static func isIgnored(_ signal: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signal, nil, &current) == 0 else { return false }
        return isIgnoreHandler(current)
    }

    private static func restore(_ running: inout Running) {
        forwardedChildPID = 0
        for (signal, var old) in running.previousActions { sigaction(signal, &old, nil) }
        sigprocmask(SIG_SETMASK, &running.previousMask, nil)
    }

    /// Ends this process the way the child ended: its exit code, or death by its signal
    /// (without a core dump), so the calling shell sees what it would have seen.
    package static func exitLike(_ child: ChildExit) -> Never {
        if case .signaled(let signal) = child {
            var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
            setrlimit(RLIMIT_CORE_VALUE, &noCore)
            var action = sigaction()
            sigemptyset(&action.sa_mask)
            setHandler(&action, SIG_DFL)
            sigaction(signal, &action, nil)
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, signal)
            sigprocmask(SIG_UNBLOCK, &unblock, nil)
            kill(getpid(), signal)
        }
        exit(child.shellStatus)
    }
}

#if os(Linux)
private let RLIMIT_CORE_VALUE = __rlimit_resource_t(RLIMIT_CORE.rawValue)

private func setHandler(_ action: inout sigaction, _ handler: __sighandler_t?) {
    action.__sigaction_handler.sa_handler = handler
}

private func setHandler(_ action: inout sigaction, _ handler: @escaping @convention(c) (Int32) -> Void) {
    action.__sigaction_handler.sa_handler = handler
}

private func isIgnoreHandler(_ action: sigaction) -> Bool {
    action.sa_flags & SA_SIGINFO == 0
        && unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
}

/// SIGINT/SIGQUIT: the terminal's (sent by the kernel, `SI_KERNEL`) reached the child as well
/// and is ignored here; one sent by a process (`si_code <= 0`: `kill`, `sigqueue`, `tgkill`)
/// was meant for `cf` and is passed on.
private func setTerminalAwareHandler(_ action: inout sigaction) {
    action.sa_flags = SA_SIGINFO
    action.__sigaction_handler.sa_sigaction = { signal, info, _ in
        if let info, info.pointee.si_code <= 0, forwardedChildPID > 0 { kill(forwardedChildPID, signal) }
    }
}
#else
private let RLIMIT_CORE_VALUE = RLIMIT_CORE

private func setHandler(_ action: inout sigaction, _ handler: (@convention(c) (Int32) -> Void)?) {
    action.__sigaction_u.__sa_handler = handler
}

private func isIgnoreHandler(_ action: sigaction) -> Bool {
    action.sa_flags & SA_SIGINFO == 0
        && unsafeBitCast(action.__sigaction_u.__sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
}

/// Darwin: SIGINT/SIGQUIT are ignored (the terminal sends them to the child too).
private func setTerminalAwareHandler(_ action: inout sigaction) {
    setHandler(&action, SIG_IGN)
}
#endif

/// Why the real `cf` could not be run.
package enum ChildProcessError: Error, CustomStringConvertible {
    case spawnFailed(path: String, errno: Int32)
    case waitFailed(errno: Int32)

    package var description: String {
        switch self {
        case .spawnFailed(let path, let code): return "cannot run \(path): \(String(cString: strerror(code)))"
        case .waitFailed(let code): return "waiting for cf failed: \(String(cString: strerror(code)))"
        }
    }
}
