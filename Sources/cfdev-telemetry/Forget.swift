import ArgumentParser
import Foundation
import Platform
import TelemetryCore
import TelemetryRules
import TelemetryStore
import TelemetryUpload

/// `cfdev-telemetry forget`, as `cf dev telemetry --forget`: telemetry off, everything pending
/// deleted, and one erasure request for this machine's anonymous ID uploaded (then retried by
/// every flush until the store has it).
struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn telemetry off, delete what is pending, and ask for everything this machine uploaded to be erased.",
        discussion: """
            Saves an erasure request (this machine's anonymous ID and the time now) in the \
            telemetry folder and uploads it write-once to <prefix>erasures/v1/<anonymous-id>/. \
            Reports leave out every event of that ID up to that time, and the team's compaction \
            deletes them from the bucket (within 30 days; see docs/DEPLOY.md). If it cannot be \
            sent now, every later flush sends it first until the store has it; `status` says \
            whether it is pending or landed. Asks first on a terminal; --yes does not ask.
            """)

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Option(help: "Give up sending the request now after this many seconds (0.5 to 3600; it stays pending).")
    var timeout: Double = 20

    func validate() throws {
        guard timeout.isFinite, ValueRange.runSeconds.contains(timeout) else {
            throw ValidationError("--timeout: expected a number of seconds from 0.5 to \(Int(ValueRange.runSeconds.upperBound))")
        }
    }

    func run() async throws {
        let context = Context()
        let forget = ForgetMe(recorder: context.recorder)
        if !yes {
            let id = try forget.anonymousID()
            guard let answer = ForgetConfirmation.ask(anonymousID: id) else { throw CommandFailure(ForgetConfirmation.refusal) }
            guard answer else { throw CommandFailure(ForgetConfirmation.declined) }
        }
        let outcome = try forget.run()
        print(ForgetConfirmation.localLine(outcome))
        let deadline = Date().addingTimeInterval(timeout)
        let target: UploadTarget
        do {
            let settings = try context.resolvedSettings(upload: nil, audience: .client).settings
            target = try UploadTarget(settings: settings, environment: context.environment)
        } catch {
            printError("Warning: the erasure request is pending, not sent: \(error) (`cfdev-telemetry flush` sends it once that is fixed)")
            return
        }
        let result = await ErasureUploader(home: context.home, target: target, log: context.log, deadline: deadline).run()
        switch result {
        case .landed(let record, let key, _):
            print(ForgetConfirmation.landedLine(record, location: storeLocation(bucket: target.endpoint.bucket, key: key)))
        case .nothingPending:
            break
        case .failed(let why, _):
            printError(ForgetConfirmation.pendingLine(why))
        }
    }
}

/// The question `forget` asks, and the lines it prints (shared with `cf dev telemetry --forget`).
enum ForgetConfirmation {
    static let refusal = "forget asks for confirmation: run it on a terminal, or add --yes"
    static let declined = "nothing changed (answer y to forget this machine)"

    /// Asks on the terminal: whether the answer was yes; nil without one (stdin or stderr not a
    /// terminal).
    static func ask(anonymousID: String) -> Bool? {
        guard isatty(0) == 1, isatty(2) == 1 else { return nil }
        printError(
            """
            This turns telemetry off, deletes the events not yet sent, and asks for every event this machine
            uploaded (anonymous ID \(anonymousID.prefix(12))…) to be erased from the team's bucket.
            """)
        SafeFile.writeAll(2, Array("Forget this machine? [y/N] ".utf8))
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while answer.count < 64 {
            let got = read(0, &byte, 1)
            if got < 0 && errno == EINTR { continue }
            guard got == 1, byte != 0x0A else { break }
            answer.append(byte)
        }
        let text = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
        return text == "y" || text == "yes"
    }

    static func localLine(_ outcome: ForgetMe.Outcome) -> String {
        let deleted =
            outcome.purgeFailure != nil
            ? " The pending events could not be deleted now (they are never sent; `cfdev-telemetry purge` deletes them)."
            : outcome.deletedUnsent > 0
                ? " \(outcome.deletedUnsent) pending event\(outcome.deletedUnsent == 1 ? " was" : "s were") deleted unsent." : ""
        return "Telemetry is off.\(deleted) Erasure request made at \(outcome.record.request.requestedAt) for anonymous ID \(outcome.record.request.anonymousID)."
    }

    static func landedLine(_ record: ErasureRecord, location: String) -> String {
        "The erasure request is in the store (\(location)): reports leave out this machine's events up to \(record.request.requestedAt), and they are deleted from the bucket within 30 days."
    }

    static func pendingLine(_ why: String) -> String {
        "Warning: the erasure request could not be sent yet (\(why)); it is kept and sent first by every `cfdev-telemetry flush` until the store has it (see `cfdev-telemetry status`)."
    }
}
