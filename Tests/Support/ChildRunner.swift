import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs real child processes for tests: with pipes (not a terminal), or on a pseudo
/// terminal (stdin, stdout and stderr all a real pty, as when a person types `cf …`).
public enum ChildRunner {
    /// Runs `path` with pipes for stdin/stdout/stderr (so it is not interactive).
    public static func run(_ path: String, _ arguments: [String], environment: [String: String],
                           stdin: Data = Data(), timeout: Double = 60) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
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
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        process.waitUntilExit()
        collected.wait()
        let signaled = process.terminationReason == .uncaughtSignal
        return ProcessResult(
            status: signaled ? 128 + process.terminationStatus : process.terminationStatus,
            signal: signaled ? process.terminationStatus : nil,
            stdout: collected.outText, stderr: collected.errText)
    }

    /// Runs `path` on a new pseudo terminal: `input` is typed into it (after `inputDelay`
    /// seconds), and everything the terminal showed is returned as `stdout`.
    public static func runOnTerminal(_ path: String, _ arguments: [String], environment: [String: String],
                                     input: String = "", inputDelay: Double = 0, timeout: Double = 60) throws -> ProcessResult {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw POSIXError(.EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_adddup2(&actions, slave, fd) }
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addclose(&actions, slave)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        close(slave)
        guard result == 0 else { close(master); throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
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
