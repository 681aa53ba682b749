import Foundation
import TelemetryCore

extension FlushRun {
    /// The lock held, or how the run ended without it.
    enum LockTaking {
        case held(FlushLock)
        case ended(FlushRunOutcome)
    }

    /// The flush lock. In the background, the run ends at once when another flush holds it.
    /// By hand, it waits for the other (bounded: the other's own run limit and hard deadline,
    /// or the timeout), saying so first; when it is still held then, the run ends (as done if
    /// the other sent everything this one had to send).
    func takeLock(
        runSeconds: Double, settings: TelemetrySettings, scope: FlushScope, spool: Spool, progress: (FlushProgress) -> Void
    ) async throws -> LockTaking {
        if let lock = try FlushLock.acquire(home: home) { return .held(lock) }
        if options.background { return .ended(.anotherFlushRunning) }
        let waitUntil =
            options.timeout != nil
            ? options.started.addingTimeInterval(runSeconds)
            : options.started.addingTimeInterval(settings.flushTimeoutSeconds + Self.hardDeadlineGrace + 5)
        let seconds = max(0, Int(waitUntil.timeIntervalSinceNow.rounded(.up)))
        progress(.waitingForAnotherFlush(seconds: seconds))
        if let lock = try await FlushLock.acquire(home: home, waitingUntil: waitUntil) { return .held(lock) }
        let unsent = (try? scope.unsent(in: spool)) ?? 0
        if unsent == 0 { return .ended(.otherFlushSentIt) }
        log.write("flush: another flush still held the lock after \(seconds) s; \(unsent) unsent")
        return .ended(.anotherFlushStillRunning(waitedSeconds: seconds, unsent: unsent))
    }
}
