import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore

/// One `flush`, decided: the gate (`FlushGate`), the settings, one flush at a time (the lock:
/// given up at once in the background, waited for when run by hand), the run's deadline, the
/// pending erasure request first, then the events (`Flusher`). It returns what happened and
/// prints nothing, nor ends the process: what is shown and the exit status are the command's.
/// Its own record goes to `log`.
package struct FlushRun: Sendable {
    /// How the flush was asked for.
    package struct Options: Sendable {
        /// Started by the shim: never waits for another flush.
        package var background: Bool
        /// The final flush of `off`: runs although telemetry has just been turned off.
        package var final: Bool
        /// Bounds the whole run from `started`, a wait for another flush included; nil: the
        /// setting (`flush_timeout_seconds`) bounds the upload once the lock is held.
        package var timeout: Double?
        /// Events per uploaded object at most, instead of the setting.
        package var maxBatchEvents: Int?
        /// When the command started.
        package var started: Date

        package init(background: Bool = false, final: Bool = false, timeout: Double? = nil, maxBatchEvents: Int? = nil, started: Date = Date()) {
            self.background = background
            self.final = final
            self.timeout = timeout
            self.maxBatchEvents = maxBatchEvents
            self.started = started
        }
    }

    /// Seconds past a run's deadline before its process is ended (the command arms that hard
    /// deadline); a flush waiting for another one counts on it.
    package static let hardDeadlineGrace: TimeInterval = 5

    package let home: TelemetryHome
    package let environment: [String: String]
    package let log: TelemetryLog
    package let options: Options

    package init(home: TelemetryHome, environment: [String: String], log: TelemetryLog, options: Options) {
        self.home = home
        self.environment = environment
        self.log = log
        self.options = options
    }

    /// Runs the flush. `settings` resolves the client's settings, asked only once the gate is
    /// open (a malformed setting does not matter while nothing may be sent); `armDeadline` is
    /// given the run's deadline before its first request; `progress` hears, at once, what must
    /// be shown while it runs. Throws what makes it unable to start: the settings, the spool,
    /// the lock file, the store's address or credentials (saved as the last error).
    package func run(
        settings resolve: () throws -> TelemetrySettings, armDeadline: (Date) -> Void, progress: (FlushProgress) -> Void
    ) async throws -> FlushRunOutcome {
        let eventsAllowed: Bool
        let erasurePending: Bool
        switch FlushGate.decide(home: home, environment: { environment[$0] }, final: options.final) {
        case .closed(let reason): return .nothingSent(reason)
        case .open(let events, let erasure): (eventsAllowed, erasurePending) = (events, erasure)
        }
        var settings: TelemetrySettings
        do {
            settings = try resolve()
        } catch {
            // In the background nobody sees stderr: the log says why nothing was sent.
            log.write("flush: nothing sent: \(error)")
            throw error
        }
        if let maxBatchEvents = options.maxBatchEvents { settings.maxBatchEvents = maxBatchEvents }
        let runSeconds = options.timeout ?? settings.flushTimeoutSeconds
        let spool = try Spool.open(home: home, log: log)
        let scope = try FlushScope(spool: spool)
        let lock: FlushLock
        switch try await takeLock(runSeconds: runSeconds, settings: settings, scope: scope, spool: spool, progress: progress) {
        case .held(let taken): lock = taken
        case .ended(let outcome): return outcome
        }
        defer { withExtendedLifetime(lock) {} }
        // With a timeout the whole run is bounded by it; otherwise the upload by the setting.
        let deadline =
            options.timeout != nil ? options.started.addingTimeInterval(runSeconds) : Date().addingTimeInterval(runSeconds)
        armDeadline(deadline)

        let target: UploadTarget
        do {
            target = try UploadTarget(settings: settings, environment: environment)
        } catch {
            try? spool.setMeta(.lastError, Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds()) + " \(error)")
            log.write("flush: \(error)")
            throw error
        }
        let erasureFailed = erasurePending ? await sendErasure(target: target, deadline: deadline, progress: progress) : false
        guard eventsAllowed else { return .erasureOnly(erasureFailed: erasureFailed) }
        let flusher = Flusher(
            spool: spool, target: target,
            limits: BatchLimits(maxEvents: settings.maxBatchEvents, maxBytes: settings.maxBatchBytes),
            log: log, deadline: deadline)
        let flushed = await flusher.run()
        let pending = (try? spool.pendingCount()) ?? 0
        if let failure = flushed.failure {
            log.write("flush stopped: \(failure); \(pending) pending")
            return .uploadFailed(why: failure, flushed: flushed, pending: pending)
        }
        return .uploaded(
            FlushUploadSummary(
                flushed: flushed, pending: pending, unsentFromStart: (try? scope.unsent(in: spool)) ?? pending,
                bucket: target.endpoint.bucket, eventsRoot: target.layout.eventsRoot, erasureFailed: erasureFailed))
    }

    /// Sends the pending erasure request (before any event); returns whether it failed (it
    /// stays pending for the next flush).
    func sendErasure(target: UploadTarget, deadline: Date, progress: (FlushProgress) -> Void) async -> Bool {
        switch await ErasureUploader(home: home, target: target, log: log, deadline: deadline).run() {
        case .nothingPending:
            return false
        case .landed(let record, let key, _):
            progress(.erasureSent(record, bucket: target.endpoint.bucket, key: key))
            return false
        case .failed(let why, _):
            log.write("flush: the erasure request stays pending: \(why)")
            progress(.erasureFailed(why))
            return true
        }
    }
}
