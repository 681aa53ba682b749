import Foundation
import TelemetryTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A child process left running while a test goes on (a hostile server, a command to kill
/// midway), its output to /dev/null; `stop(signal)` signals it and reaps it.
final class BackgroundChild {
    let pid: pid_t
    private var reaped = false

    init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        pid = try ChildRunner.spawnLikeAShell(path, arguments, environment: environment, actions: &actions)
    }

    func stop(_ signal: Int32 = SIGKILL) {
        guard !reaped else { return }
        kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
    }

    deinit { stop() }
}
