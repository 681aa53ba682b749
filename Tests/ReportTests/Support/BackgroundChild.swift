import Foundation
import TelemetryTestSupport

import Platform

/// A child process left running while a test goes on (a hostile server, a command to kill
/// midway), its output to /dev/null; `stop(signal)` signals it and reaps it.
final class BackgroundChild {
    let pid: pid_t
    private var reaped = false

    init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        pid = try ChildRunner.spawnQuietly(path, arguments, environment: environment)
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
