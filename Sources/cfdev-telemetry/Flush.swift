import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryUpload

/// `cfdev-telemetry flush`: upload what is pending now.
struct Flush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload pending events to the store now.",
        discussion: """
            Events go up as gzip NDJSON objects under <prefix>events/v1/dt=YYYY-MM-DD/, one UTC
            day per object, exactly once. Failures are retried with backoff; what cannot be sent
            stays pending. Only one flush runs at a time: a second exits at once.
            """)

    @OptionGroup var upload: UploadOptions

    @Option(help: "Events per uploaded object at most.")
    var maxBatchEvents: Int?

    @Option(help: "Give up after this many seconds.")
    var timeout: Double?

    @Flag(help: "Started by the shim: print nothing, log to the telemetry home.")
    var background = false

    @Flag(help: "The last upload of `off`: runs although telemetry has just been turned off.")
    var final = false

    func validate() throws {
        if let maxBatchEvents, maxBatchEvents < 1 { throw ValidationError("--max-batch-events must be at least 1") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let context = Context()
        if let reason = EnvironmentGate.disabledReason(context.environment) {
            say("Nothing sent: \(reason) is set in the environment.")
            return
        }
        if !final && ConsentStore(home: context.home).state() != .on {
            say("Nothing sent: telemetry is not on (turn it on with `cfdev-telemetry on`).")
            return
        }
        guard let lock = try FlushLock.acquire(home: context.home) else {
            say("Another flush is running; nothing to do.")
            return
        }
        defer { withExtendedLifetime(lock) {} }
        var settings = upload.apply(to: try context.settings())
        if let maxBatchEvents { settings.maxBatchEvents = maxBatchEvents }
        let spool = try Spool.open(home: context.home, log: context.log)
        let target: UploadTarget
        do {
            target = try UploadTarget(settings: settings)
        } catch {
            try? spool.setMeta(.lastError, Timestamp.iso8601(milliseconds: Timestamp.nowMilliseconds()) + " \(error)")
            context.log.write("flush: \(error)")
            throw CommandFailure("\(error)")
        }
        let flusher = Flusher(
            spool: spool, target: target,
            limits: BatchLimits(maxEvents: settings.maxBatchEvents, maxBytes: settings.maxBatchBytes),
            log: context.log, deadline: timeout.map { Date().addingTimeInterval($0) })
        let outcome = await flusher.run()
        let pending = (try? spool.pendingCount()) ?? 0
        let destination = "s3://\(settings.bucket)/\(target.prefix)events/v1/"
        if let failure = outcome.failure {
            context.log.write("flush stopped: \(failure); \(pending) pending")
            if !background {
                // One line (the store's code and message first), as scripts and cron mail expect.
                printError("cfdev-telemetry: upload failed: \(failure) (uploaded \(outcome.events) events before that; \(pending) stay pending and will be retried)")
            }
            throw ExitCode.failure
        }
        say("Uploaded \(outcome.events) event\(outcome.events == 1 ? "" : "s") in \(outcome.batches) object\(outcome.batches == 1 ? "" : "s") (\(outcome.bytes) bytes) to \(destination); \(pending) pending.")
    }

    func say(_ message: String) {
        if background {
            Context().log.write("flush: " + message)
        } else {
            print(message)
        }
    }
}
