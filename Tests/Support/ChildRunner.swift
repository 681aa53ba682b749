import Foundation
import Platform

/// Runs real child processes for tests: with pipes (not a terminal), or on a pseudo
/// terminal (stdin, stdout and stderr all a real pty, as when a person types `cf …`).
package enum ChildRunner {
    /// Runs `path` with pipes for stdin/stdout/stderr (so it is not interactive), started
    /// the way a shell starts a command: empty signal mask, default signal dispositions.
    package static func run(
        _ path: String, _ arguments: [String], environment: [String: String],
        stdin: Data = Data(), timeout: Double = 60
    ) throws -> ProcessResult {
        let input = Pipe(), output = Pipe(), error = Pipe()
        for pipe in [input, output, error] {
            _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.fileHandleForReading.fileDescriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, output.fileHandleForWriting.fileDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, error.fileHandleForWriting.fileDescriptor, 2)
        for pipe in [input, output, error] {
            posix_spawn_file_actions_addclose(&actions, pipe.fileHandleForReading.fileDescriptor)
            posix_spawn_file_actions_addclose(&actions, pipe.fileHandleForWriting.fileDescriptor)
        }
        let pid = try spawnLikeAShell(path, arguments, environment: environment, actions: &actions)
        try input.fileHandleForReading.close()
        try output.fileHandleForWriting.close()
        try error.fileHandleForWriting.close()
        let writer = Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let collected = CollectedOutput()
        let readOut = Thread { collected.setOut(output.fileHandleForReading.readDataToEndOfFile()) }
        let readErr = Thread { collected.setErr(error.fileHandleForReading.readDataToEndOfFile()) }
        readOut.start()
        readErr.start()
        let status = waitWithTimeout(pid, timeout: timeout)
        collected.wait()
        let low = status & 0x7f
        return ProcessResult(
            status: low == 0 ? (status >> 8) & 0xff : 128 + low, signal: low == 0 ? nil : low,
            stdout: collected.outText, stderr: collected.errText)
    }

    /// Waits for `pid`, killing it after `timeout` seconds; returns the wait status.
    static func waitWithTimeout(_ pid: pid_t, timeout: Double) -> Int32 {
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            if result < 0 && errno != EINTR { return status }
            usleep(2_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return status
    }

    /// Starts `path` like a shell would, with stdin, stdout and stderr on /dev/null, and
    /// does not wait for it: for tests that kill or poll the child themselves.
    package static func spawnQuietly(_ path: String, _ arguments: [String], environment: [String: String]) throws -> pid_t {
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        return try spawnLikeAShell(path, arguments, environment: environment, actions: &actions)
    }

    /// Starts `path` without waiting, its stdout and stderr appended to the files named (they
    /// may be the same), so that a test can watch what it says while it runs.
    package static func spawnWritingTo(
        stdout: String, stderr: String, _ path: String, _ arguments: [String], environment: [String: String],
        newProcessGroup: Bool = false
    ) throws -> pid_t {
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        return try spawnLikeAShell(path, arguments, environment: environment, actions: &actions, newProcessGroup: newProcessGroup)
    }

    /// posix_spawn with an empty signal mask and default dispositions, as a shell does
    /// (test threads block signals, which children would otherwise inherit).
    /// `newProcessGroup`: the child leads a process group of its own (pgid == pid), so that
    /// everything it forks can be signalled at once (`kill(-pid, …)`).
    package static func spawnLikeAShell(
        _ path: String, _ arguments: [String], environment: [String: String],
        actions: inout SpawnFileActions, newProcessGroup: Bool = false
    ) throws -> pid_t {
        var attributes = SpawnAttributes.empty()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return pid
    }

    /// Runs `path` on a new pseudo terminal: `input` is typed into it (after `inputDelay`
    /// seconds), and everything the terminal showed is returned as `stdout`.
    package static func runOnTerminal(
        _ path: String, _ arguments: [String], environment: [String: String],
        input: String = "", inputDelay: Double = 0, timeout: Double = 60
    ) throws -> ProcessResult {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw POSIXError(.EIO) }
        // Not inherited by children other tests spawn meanwhile.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_adddup2(&actions, slave, fd) }
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addclose(&actions, slave)
        let pid: pid_t
        do {
            pid = try spawnLikeAShell(path, arguments, environment: environment, actions: &actions)
        } catch {
            close(slave)
            close(master)
            throw error
        }
        close(slave)
        if !input.isEmpty {
            if inputDelay > 0 { usleep(UInt32(inputDelay * 1_000_000)) }
            _ = input.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) }
        }
        var screen = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var exited = false
        while Date() < deadline {
            var pollfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&pollfd, 1, 50) > 0 {
                let count = read(master, &buffer, buffer.count)
                if count > 0 { screen.append(contentsOf: buffer[0..<count]); continue }
                if count < 0 && errno == EINTR { continue }
                if exited || count <= 0 { if !exited { waitpid(pid, &status, 0); exited = true }; break }
            } else if !exited, waitpid(pid, &status, WNOHANG) == pid {
                exited = true
            } else if exited {
                break
            }
        }
        if !exited { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
        close(master)
        let low = status & 0x7f
        return ProcessResult(
            status: low == 0 ? (status >> 8) & 0xff : 128 + low, signal: low == 0 ? nil : low,
            stdout: String(decoding: screen, as: UTF8.self), stderr: "")
    }
}

/// Runs blocking work (child processes, boto3) on its own thread, so that the tests' 2-core
/// cooperative pool stays free for the others.
package func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Blocking work started at once on its own thread (not a task, which could wait for the
/// cooperative pool), its result taken with `wait()`.
package final class ThreadRun<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    package init(_ body: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    package func wait() throws -> T {
        done.wait()
        return try result!.get()
    }
}

/// Output gathered by reader threads.
final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private let group = DispatchGroup()
    private var out = Data(), err = Data()

    init() { group.enter(); group.enter() }
    func setOut(_ data: Data) { lock.lock(); out = data; lock.unlock(); group.leave() }
    func setErr(_ data: Data) { lock.lock(); err = data; lock.unlock(); group.leave() }
    func wait() { group.wait() }
    var outText: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var errText: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
}
