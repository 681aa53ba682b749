import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore
import TelemetryUpload

/// `cfdev-telemetry flush`: upload what is pending now.
struct Flush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload pending events to the store now.",
        discussion: """
            A pending erasure request (see `forget`) is sent first, even when telemetry is off. \
            Events go up as gzip NDJSON objects under <prefix>events/v1/dt=YYYY-MM-DD/, one UTC \
            day per object, exactly once (each PUT is conditional: If-None-Match: *). Failures \
            are retried with backoff; what cannot be sent stays pending. Every run is bounded \
            (--timeout, else flush_timeout_seconds, 120 s). Only one flush runs at a time: run by \
            hand, it waits (bounded) for another to finish and then sends what is left; it exits 0 \
            only when every event pending when it started has been sent.
            """)

    @OptionGroup var upload: UploadOptions

    @Option(help: "Events per uploaded object at most (1 to 100000).")
    var maxBatchEvents: Int?

    @Option(help: "Give up after this many seconds, waiting for another flush included (0.5 to 3600).")
    var timeout: Double?

    @Flag(help: "Started by the shim: print nothing, log to the telemetry home.")
    var background = false

    @Flag(help: "The last upload of `off`: runs although telemetry has just been turned off.")
    var final = false

    func validate() throws {
        if let maxBatchEvents, !ValueRange.batchEvents.contains(maxBatchEvents) {
            throw ValidationError("--max-batch-events: expected a whole number from 1 to \(ValueRange.batchEvents.upperBound)")
        }
        if let timeout, !(timeout.isFinite && ValueRange.runSeconds.contains(timeout)) {
            throw ValidationError("--timeout: expected a number of seconds from 0.5 to \(Int(ValueRange.runSeconds.upperBound))")
        }
    }

    func run() async throws {
        let started = Date()
        let context = Context()
        // A pending erasure request ("forget me") is sent whatever the consent or an override
        // says: it is the one upload that removes data, and holds only the anonymous ID.
        let erasurePending = ((try? ErasureRecord.load(home: context.home)) ?? nil)?.isPending == true
        var eventsAllowed = true
        if let override = TelemetryOverride.current({ context.environment[$0] }) {
            guard erasurePending else {
                say("Nothing sent: \(override.cause).")
                return
            }
            eventsAllowed = false
        }
        // No telemetry folder: nothing was ever recorded here, and a flush must not create one
        // (a background flush that outlives its home would plant it again).
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: context.home.directory, isDirectory: &isFolder), isFolder.boolValue else {
            say("Nothing to send: there is no telemetry folder (\(DisplayText.sanitized(context.home.directory))).")
            return
        }
        if !final && ConsentStore(home: context.home).state() != .on {
            guard erasurePending else {
                say("Nothing sent: telemetry is not on (turn it on with `cfdev-telemetry on`).")
                return
            }
            eventsAllowed = false
        }
        let resolved: ResolvedSettings
        do {
            resolved = try context.resolvedSettings(upload: upload, audience: .client, quiet: background)
        } catch {
            // In the background nobody sees stderr: the log says why nothing was sent.
            context.log.write("flush: nothing sent: \(error)")
            throw error
        }
        var settings = resolved.settings
        if let maxBatchEvents { settings.maxBatchEvents = maxBatchEvents }
        let runSeconds = timeout ?? settings.flushTimeoutSeconds
        let spool = try Spool.open(home: context.home, log: context.log)
        let scope = try FlushScope(spool: spool)
        let lock = try await acquireLock(context, started: started, runSeconds: runSeconds, settings: settings, scope: scope, spool: spool)
        guard let lock else { return }
        defer { withExtendedLifetime(lock) {} }
        // With --timeout the whole command is bounded by it; otherwise the run by the setting.
        let deadline = timeout != nil ? started.addingTimeInterval(runSeconds) : Date().addingTimeInterval(runSeconds)
        HardDeadline.arm(at: deadline, log: context.log, background: background)

        let target: UploadTarget
        do {
            target = try UploadTarget(settings: settings, environment: context.environment)
        } catch {
            try? spool.setMeta(.lastError, Timestamp.iso8601(milliseconds: WallClock.nowMilliseconds()) + " \(error)")
            context.log.write("flush: \(error)")
            throw error
        }
        let erasureFailure = erasurePending ? await sendErasure(context, target: target, deadline: deadline) : nil
        guard eventsAllowed else {
            if erasureFailure != nil { throw ExitCode.failure }
            say("No events sent: telemetry is off.")
            return
        }
        let flusher = Flusher(
            spool: spool, target: target,
            limits: BatchLimits(maxEvents: settings.maxBatchEvents, maxBytes: settings.maxBatchBytes),
            log: context.log, deadline: deadline)
        let outcome = await flusher.run()
        let pending = (try? spool.pendingCount()) ?? 0
        let unsent = (try? scope.unsent(in: spool)) ?? pending
        let destination = "s3://\(DisplayText.sanitized(settings.bucket))/\(DisplayText.sanitized(target.layout.eventsRoot))"
        if let failure = outcome.failure {
            context.log.write("flush stopped: \(failure); \(pending) pending")
            if !background {
                // One line (the store's code and message first), as scripts and cron mail expect.
                printError("Error: upload failed: \(failure) (uploaded \(outcome.events) events before that; \(pending) stay pending and will be retried)")
            }
            throw ExitCode.failure
        }
        let stored =
            outcome.alreadyStored > 0
            ? " (\(outcome.alreadyStored) of them already in the store from an earlier attempt)" : ""
        say(
            "Uploaded \(outcome.events) event\(outcome.events == 1 ? "" : "s") in \(outcome.batches) object\(outcome.batches == 1 ? "" : "s") (\(outcome.bytes) bytes) to \(destination)\(stored); \(pending) pending."
        )
        if unsent > 0 {
            context.log.write("flush: \(unsent) events pending at the start are still unsent")
            if !background { printError("Error: \(unsent) of the events pending when this flush started are still unsent") }
            throw ExitCode.failure
        }
        if erasureFailure != nil { throw ExitCode.failure }
    }

    /// Sends the pending erasure request (before any event); returns why it failed, if it did
    /// (said on stderr unless in the background; it stays pending for the next flush).
    func sendErasure(_ context: Context, target: UploadTarget, deadline: Date) async -> String? {
        switch await ErasureUploader(home: context.home, target: target, log: context.log, deadline: deadline).run() {
        case .nothingPending:
            return nil
        case .landed(let record, let key, _):
            say("Sent the erasure request made at \(record.request.requestedAt) to s3://\(DisplayText.sanitized(target.endpoint.bucket))/\(DisplayText.sanitized(key)).")
            return nil
        case .failed(let why, _):
            context.log.write("flush: the erasure request stays pending: \(why)")
            if !background { printError("Error: the erasure request could not be sent: \(why) (it stays pending and is sent by the next flush)") }
            return why
        }
    }

    /// The flush lock. In the background, nil at once when another flush holds it. By hand,
    /// waits for the other (bounded: the other's own run limit, or --timeout) and says so;
    /// fails when it is still held then.
    func acquireLock(
        _ context: Context, started: Date, runSeconds: Double, settings: TelemetrySettings, scope: FlushScope, spool: Spool
    ) async throws -> FlushLock? {
        if let lock = try FlushLock.acquire(home: context.home) { return lock }
        if background {
            say("Another flush is running; nothing to do.")
            return nil
        }
        let waitUntil =
            timeout != nil
            ? started.addingTimeInterval(runSeconds)
            : started.addingTimeInterval(settings.flushTimeoutSeconds + HardDeadline.grace + 5)
        let seconds = max(0, Int(waitUntil.timeIntervalSinceNow.rounded(.up)))
        say("Another flush is running; waiting up to \(seconds) s for it to finish, then sending what is left.")
        if let lock = try await FlushLock.acquire(home: context.home, waitingUntil: waitUntil) { return lock }
        let unsent = (try? scope.unsent(in: spool)) ?? 0
        if unsent == 0 {
            say("Nothing left to send: the other flush sent it.")
            return nil
        }
        context.log.write("flush: another flush still held the lock after \(seconds) s; \(unsent) unsent")
        printError("Error: another flush was still running after \(seconds) s; \(unsent) event\(unsent == 1 ? "" : "s") not sent yet (try again later)")
        throw ExitCode.failure
    }

    /// A progress line: to the log in the background, else to stdout at once (a file or pipe
    /// would otherwise hold "waiting up to N s" back until the flush ends).
    func say(_ message: String) {
        if background {
            Context().log.write("flush: " + message)
        } else {
            print(message)
            fflush(nil)
        }
    }
}
