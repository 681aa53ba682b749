import ArgumentParser
import Foundation
import TelemetryCore
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
        let flush = FlushRun(
            home: context.home, environment: context.environment, log: context.log,
            options: FlushRun.Options(background: background, final: final, timeout: timeout, maxBatchEvents: maxBatchEvents, started: started))
        let outcome = try await flush.run(
            settings: { try context.resolvedSettings(upload: upload, audience: .client, quiet: background).settings },
            armDeadline: { HardDeadline.arm(at: $0, log: context.log, background: background) },
            progress: show)
        try finish(outcome, log: context.log)
    }

    /// Shows what the run reports while it runs.
    func show(_ progress: FlushProgress) {
        switch progress {
        case .waitingForAnotherFlush(let seconds):
            say("Another flush is running; waiting up to \(seconds) s for it to finish, then sending what is left.")
        case .erasureSent(let record, let bucket, let key):
            say("Sent the erasure request made at \(record.request.requestedAt) to \(storeLocation(bucket: bucket, key: key)).")
        case .erasureFailed(let why):
            if !background { printError("Error: the erasure request could not be sent: \(why) (it stays pending and is sent by the next flush)") }
        }
    }

    /// Says how the run ended, and exits 1 unless every event pending at the start (and the
    /// erasure request) was sent or nothing was to be.
    func finish(_ outcome: FlushRunOutcome, log: TelemetryLog) throws {
        switch outcome {
        case .nothingSent(.override(let override)):
            say("Nothing sent: \(override.cause).")
        case .nothingSent(.noTelemetryFolder(let directory)):
            say("Nothing to send: there is no telemetry folder (\(DisplayText.sanitized(directory))).")
        case .nothingSent(.telemetryNotOn):
            say("Nothing sent: telemetry is not on (turn it on with `cfdev-telemetry on`).")
        case .anotherFlushRunning:
            say("Another flush is running; nothing to do.")
        case .otherFlushSentIt:
            say("Nothing left to send: the other flush sent it.")
        case .anotherFlushStillRunning(let seconds, let unsent):
            printError("Error: another flush was still running after \(seconds) s; \(unsent) event\(unsent == 1 ? "" : "s") not sent yet (try again later)")
            throw ExitCode.failure
        case .erasureOnly(let erasureFailed):
            if erasureFailed { throw ExitCode.failure }
            say("No events sent: telemetry is off.")
        case .uploadFailed(let why, let flushed, let pending):
            if !background {
                // One line (the store's code and message first), as scripts and cron mail expect.
                printError(
                    "Error: upload failed: \(why) (uploaded \(flushed.events) events before that; \(pending) stay pending and will be retried)")
            }
            throw ExitCode.failure
        case .uploaded(let summary):
            try finishUpload(summary, log: log)
        }
    }

    /// The line about what was uploaded; exits 1 when events pending at the start are still
    /// unsent (said in the log after that line) or the erasure request failed.
    func finishUpload(_ summary: FlushUploadSummary, log: TelemetryLog) throws {
        let flushed = summary.flushed
        let stored =
            flushed.alreadyStored > 0
            ? " (\(flushed.alreadyStored) of them already in the store from an earlier attempt)" : ""
        say(
            "Uploaded \(flushed.events) event\(flushed.events == 1 ? "" : "s") in \(flushed.batches) object\(flushed.batches == 1 ? "" : "s") (\(flushed.bytes) bytes) to \(storeLocation(bucket: summary.bucket, key: summary.eventsRoot))\(stored); \(summary.pending) pending."
        )
        if summary.unsentFromStart > 0 {
            log.write("flush: \(summary.unsentFromStart) events pending at the start are still unsent")
            if !background { printError("Error: \(summary.unsentFromStart) of the events pending when this flush started are still unsent") }
            throw ExitCode.failure
        }
        if summary.erasureFailed { throw ExitCode.failure }
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
