import Foundation

import Platform

/// A child started like a shell starts a command, but in its own process group (pgid == pid),
/// stdout and stderr to a log file, so that `kill()` takes down everything it forked.
package final class ProcessGroup: @unchecked Sendable {
    package let pid: pid_t
    package let logFile: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Looks `executable` up in PATH unless it contains a `/`. `environment` is this process's
    /// environment with these changes: a nil value removes the variable.
    package init(executable: String, arguments: [String], environment: [String: String?] = [:], logFile: URL) throws {
        guard let path = executable.contains("/") ? executable : Self.executablePath(executable) else {
            throw ProcessGroupError(message: "cannot start \(executable): not found on PATH")
        }
        self.logFile = logFile
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        do {
            pid = try ChildRunner.spawnWritingTo(
                stdout: logFile.path, stderr: logFile.path, path, arguments, environment: env, newProcessGroup: true)
        } catch {
            throw ProcessGroupError(message: "cannot start \(executable): \(error)")
        }
    }

    /// Where `name` is on PATH, if it is.
    package static func executablePath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether the leader is still running (reaps it if it ended).
    package var isRunning: Bool {
        lock.withLock {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            // ECHILD: something else in this process reaped it (Foundation's Process waits
            // for children too); it is running while its pid still answers.
            if result < 0 && errno == ECHILD { return systemKill(pid, 0) == 0 }
            if result == pid || result < 0 {
                exitStatus = status
                return false
            }
            return true
        }
    }

    /// SIGKILL to the whole group, then reaps the leader. Idempotent.
    package func kill() {
        _ = signalGroup(pid, SIGKILL)
        lock.withLock {
            guard exitStatus == nil else { return }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = status
        }
    }

    /// Waits (at most `timeout` seconds) for a `PORT N` line in the log, as the test scripts
    /// print once they listen on a port the kernel chose; kills the group and throws, naming
    /// `what` and the log's tail, when none comes.
    package func announcedPort(_ what: String, timeout: TimeInterval = 15) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        // The log is read once more after each wait, the deadline checked only then (on a loaded
        // machine a wait of 50 ms can last far longer).
        while true {
            let log = logTail(lines: .max)
            if let port = log.split(separator: "\n").lazy.compactMap({ $0.hasPrefix("PORT ") ? Int($0.dropFirst(5)) : nil }).first {
                return port
            }
            guard isRunning, Date() < deadline else { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let tail = logTail()
        kill()
        throw ProcessGroupError(message: "\(what) did not start:\n\(tail)")
    }

    /// The last `lines` lines of the log, for failure messages.
    package func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// `kill(-pgid, signal)`, outside the class whose `kill()` would shadow it.
private func signalGroup(_ pgid: pid_t, _ signal: Int32) -> Int32 { kill(-pgid, signal) }

/// What the test harness (servers, proxies, sockets) says when it cannot do its part.
package struct ProcessGroupError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    package init(message: String) { self.message = message }
}

/// TCP sockets on 127.0.0.1, close-on-exec (a child another test spawns meanwhile does not
/// inherit them, and so cannot keep a port bound after the test closed it).
package enum LoopbackSocket {
    /// A socket bound to a port the kernel chose, listening when `backlog` is given.
    package static func bound(listening backlog: Int32? = nil) throws -> (fd: Int32, port: Int) {
        let fd = closeOnExecStreamSocket()
        guard fd >= 0 else { throw ProcessGroupError(message: "socket(): \(String(cString: strerror(errno)))") }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
                    && (backlog.map { count in listen(fd, count) == 0 } ?? true)
            }
        }
        guard ok else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ProcessGroupError(message: "cannot bind\(backlog == nil ? "" : " and listen") on 127.0.0.1: \(reason)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Whether something accepts connections on `port`.
    package static func canConnect(port: Int) -> Bool {
        let fd = closeOnExecStreamSocket()
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// Free TCP ports on 127.0.0.1, chosen by the kernel; the sockets are held until `release()`, and
/// a port is never handed out twice in this process (the kernel would readily give a just-released
/// port to the next allocation, before the server meant to have it has bound it).
package struct FreePorts {
    package let ports: [Int]
    private let sockets: [Int32]
    private static let issued = LockedPorts()

    package init(count: Int) throws {
        var ports: [Int] = []
        var sockets: [Int32] = []
        var rejected: [Int32] = []
        defer { rejected.forEach { close($0) } }
        do {
            while ports.count < count {
                let (fd, port) = try LoopbackSocket.bound()
                guard Self.issued.claim(port) else {
                    rejected.append(fd)  // keep it bound so the kernel offers another one
                    continue
                }
                ports.append(port)
                sockets.append(fd)
            }
        } catch {
            sockets.forEach { close($0) }
            throw error
        }
        self.ports = ports
        self.sockets = sockets
    }

    /// One port, released at once: for a server started right away, or an endpoint where
    /// nothing listens.
    package static func one() throws -> Int {
        let free = try FreePorts(count: 1)
        free.release()
        return free.ports[0]
    }

    /// Closes the placeholder sockets: call right before starting the server.
    package func release() { sockets.forEach { close($0) } }
}

/// The ports `FreePorts` has handed out in this process.
private final class LockedPorts: @unchecked Sendable {
    private let lock = NSLock()
    private var ports = Set<Int>()

    /// Records `port`; false when it was handed out before.
    func claim(_ port: Int) -> Bool { lock.withLock { ports.insert(port).inserted } }
}
