import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child started in its own process group (pgid == pid), stdout and stderr to a log file,
/// so that `kill()` takes down everything it forked.
final class ProcessGroup: @unchecked Sendable {
    let pid: pid_t
    let logFile: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Looks `executable` up in PATH (posix_spawnp) unless it contains a `/`.
    init(executable: String, arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        self.logFile = logFile
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawnp(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ProcessGroupError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// Whether the leader is still running (reaps it if it ended).
    var isRunning: Bool {
        lock.withLock {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            // ECHILD: something else in this process reaped it (Foundation's Process waits
            // for children too); it is running while its pid still answers.
            if result < 0 && errno == ECHILD { return Glibc.kill(pid, 0) == 0 }
            if result == pid || result < 0 {
                exitStatus = status
                return false
            }
            return true
        }
    }

    /// SIGKILL to the whole group, then reaps the leader. Idempotent.
    func kill() {
        _ = signalGroup(pid, SIGKILL)
        lock.withLock {
            guard exitStatus == nil else { return }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = status
        }
    }

    /// The last `lines` lines of the log, for failure messages.
    func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// `kill(-pgid, signal)`, outside the class whose `kill()` would shadow it.
private func signalGroup(_ pgid: pid_t, _ signal: Int32) -> Int32 { kill(-pgid, signal) }

struct ProcessGroupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Free TCP ports on 127.0.0.1, chosen by the kernel; the sockets are held until `release()`, and
/// a port is never handed out twice in this process (the kernel would readily give a just-released
/// port to the next allocation, before the server meant to have it has bound it).
struct FreePorts {
    let ports: [Int]
    private let sockets: [Int32]
    private static let issued = LockedPorts()

    init(count: Int) throws {
        var ports: [Int] = []
        var sockets: [Int32] = []
        var rejected: [Int32] = []
        defer { rejected.forEach { close($0) } }
        while ports.count < count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ProcessGroupError(message: "socket(): \(String(cString: strerror(errno)))") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                    bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
                }
            }
            guard bound else {
                close(fd)
                throw ProcessGroupError(message: "bind(): \(String(cString: strerror(errno)))")
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            guard Self.issued.claim(port) else {
                rejected.append(fd)  // keep it bound so the kernel offers another one
                continue
            }
            ports.append(port)
            sockets.append(fd)
        }
        self.ports = ports
        self.sockets = sockets
    }

    /// Closes the placeholder sockets: call right before starting the server.
    func release() { sockets.forEach { close($0) } }
}

/// The ports `FreePorts` has handed out in this process.
private final class LockedPorts: @unchecked Sendable {
    private let lock = NSLock()
    private var ports = Set<Int>()

    /// Records `port`; false when it was handed out before.
    func claim(_ port: Int) -> Bool { lock.withLock { ports.insert(port).inserted } }
}
