import Platform
import ShimFront
import TelemetryCore
import TelemetryRules

/// Starts `cfdev-telemetry flush` from the shim: detached in the background ("flush on
/// next invocation"), or as the short, bounded final flush of `telemetry --off`.
package struct FlushLauncher: Sendable {
    /// The `cfdev-telemetry` executable: `CFDEV_TELEMETRY_FLUSHER`, else the one beside the
    /// shim's resolved path.
    package let flusherPath: String?

    package init(environment: [String: String], shimPath: String?) {
        if let explicit = environment["CFDEV_TELEMETRY_FLUSHER"], !explicit.isEmpty {
            flusherPath = explicit
        } else {
            flusherPath = shimPath.map { ShimFront.telemetryExecutable(besides: $0) }
        }
    }

    /// Starts `flush --background` in its own session, with no terminal and stdio on
    /// /dev/null, and does not wait for it. Returns its pid. The flush bounds its own run
    /// (`flush_timeout_seconds`) and ends itself past it.
    @discardableResult
    package func startBackground() throws -> pid_t {
        try spawnDetached(["flush", "--background"])
    }

    /// Runs `flush --final`, waiting at most `seconds` (a value that is not a finite number in
    /// 0.5…60 is replaced by the default, 3); a flusher still running then is killed (what it
    /// had not uploaded stays pending until it is purged).
    package func runFinal(seconds requested: Double) throws {
        let seconds = Self.boundedFinalSeconds(requested)
        let pid = try spawnDetached(["flush", "--final", "--timeout", String(seconds)])
        let deadline = WallClock.nowMilliseconds() + Int64(seconds * 1000) + 500
        var status: Int32 = 0
        while WallClock.nowMilliseconds() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    /// `seconds` when finite and within `ValueRange.finalFlushSeconds`, else the default.
    static func boundedFinalSeconds(_ seconds: Double) -> Double {
        seconds.isFinite && ValueRange.finalFlushSeconds.contains(seconds) ? seconds : TelemetrySettings().finalFlushSeconds
    }

    func spawnDetached(_ arguments: [String]) throws -> pid_t {
        guard let path = flusherPath else {
            throw ChildProcessError.spawnFailed(path: "cfdev-telemetry", errno: ENOENT)
        }
        return try DetachedProcess.spawn(path: path, arguments: arguments)
    }
}
