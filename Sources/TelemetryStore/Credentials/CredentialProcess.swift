import Foundation
import Platform

/// A profile's `credential_process`: the command run by `/bin/sh -c` in its own process group,
/// its standard output read up to `maxOutputBytes` and within `timeout` (past either, the whole
/// group is killed), and parsed as the AWS CLI's format: `{"Version": 1, "AccessKeyId": …,
/// "SecretAccessKey": …, "SessionToken": …, "Expiration": …}`. Its standard error is the
/// user's (a login prompt shows). Every failure is one line naming the source.
struct CredentialProcess: Sendable {
    /// The most the process may print.
    static let maxOutputBytes = 64 << 10

    let command: String
    let source: String
    var timeout: TimeInterval = 60
    var environment: [String: String]

    func credentials() async throws -> AWSCredentials {
        let (output, status) = try run()
        guard status == 0 else {
            throw CredentialSourceError(source, "exited with \(Self.describe(status: status))")
        }
        return try CredentialJSON.parse(output, source: source, requireVersion: true)
    }

    /// Runs the command: its output and wait status.
    func run() throws -> (Data, Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw CredentialSourceError(source, "cannot make a pipe (\(String(cString: strerror(errno))))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        var actions = SpawnFileActions.empty()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = SpawnAttributes.empty()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let arguments = ["/bin/sh", "-c", command]
        let environmentLines = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(arguments) { argv in
            withCStrings(environmentLines) { envp in
                posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        close(fds[1])
        guard spawned == 0 else {
            close(fds[0])
            throw CredentialSourceError(source, "cannot start /bin/sh (\(String(cString: strerror(spawned))))")
        }
        defer { close(fds[0]) }
        let deadline = Date().addingTimeInterval(timeout)
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var failure: String?
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 {
                failure = "printed no complete answer within \(CredentialHTTP.seconds(timeout)) (killed)"
                break
            }
            var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 1) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
            if output.count > Self.maxOutputBytes {
                failure = "printed more than \(Self.maxOutputBytes >> 10) KiB (killed)"
                break
            }
        }
        if failure != nil { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        // The output is complete (or the group killed): the process is gone or going.
        let waitDeadline = Date().addingTimeInterval(failure == nil ? max(1, deadline.timeIntervalSinceNow) : 5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() >= waitDeadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                failure = failure ?? "did not exit within \(CredentialHTTP.seconds(timeout)) (killed)"
                break
            }
            usleep(5_000)
        }
        if let failure { throw CredentialSourceError(source, failure) }
        return (output, status)
    }

    static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "status \((status >> 8) & 0xff)" : "signal \(signal)"
    }

    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
