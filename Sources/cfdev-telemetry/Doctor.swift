import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore
import TelemetryUpload

/// `cfdev-telemetry doctor`: checks configuration, endpoint, credentials, signing, clock.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the upload setup: configuration, endpoint, credentials, signing and clock skew.",
        discussion:
            "With --role reader or --role operator, check a team member's setup instead: which source of the AWS credential chain gives the role's credentials (keys, profile, assumed role, web identity, container, instance metadata), and whether the role may list and read the events (and, for the operator, read the lifecycle rules)."
    )

    @OptionGroup var upload: UploadOptions

    @OptionGroup var team: TeamOptions

    @Option(help: ArgumentHelp("Check the team's setup for this role: reader or operator.", valueName: "role"))
    var role: String?

    func validate() throws {
        if let role, !["reader", "operator"].contains(role) {
            throw ValidationError("--role: expected reader or operator, got \"\(DisplayText.sanitized(role, limit: 40))\" (the uploader's setup is what doctor checks without --role)")
        }
        if role == nil && team.profile != nil {
            throw ValidationError("--profile is for the team's roles (--role reader or operator): uploads never read ~/.aws")
        }
    }

    func run() async throws {
        if let role = role.flatMap(AccessPolicy.Role.init(rawValue:)) {
            try await DoctorRole(role: role, upload: upload, team: team).run()
            return
        }
        let context = Context()
        var problems = 0
        var uploadOnly = false
        func check(_ ok: Bool, _ label: String, _ detail: String) {
            print("\(ok ? "ok  " : "FAIL") \(label): \(detail)")
            if !ok { problems += 1 }
        }
        let managed = ManagedPolicy.state()
        if let override = TelemetryOverride.current({ context.environment[$0] }, managed: managed) {
            print("note \(override.cause): nothing is recorded or sent.")
        }
        if case .untrusted(let why) = managed {
            print("note \(ManagedPolicy.path) is ignored: \(why) (an administrator's policy must be root's alone)")
        }
        print("note consent: \(ConsentStore(home: context.home).state().rawValue)")
        let resolved: ResolvedSettings
        do {
            resolved = try context.resolvedSettings(upload: upload, audience: .client)
        } catch {
            check(false, "configuration", "\(error)")
            throw ExitCode.failure
        }
        let settings = resolved.settings
        print("note settings (value, and where it came from):")
        for line in SettingsDisplay(resolved).lines { print(line) }
        if let note = SettingsDisplay.ignoredNote(resolved) { print("note " + note) }
        if let refused = resolved.refusedShippedDefaults {
            check(false, "shipped defaults", "\(refused): another user could redirect every upload (make it owned by root or you, writable by no one else)")
        }
        let target: UploadTarget
        do {
            target = try UploadTarget(settings: settings, environment: context.environment)
            check(true, "configuration", "complete")
        } catch {
            check(false, "configuration", "\(error)")
            throw ExitCode.failure
        }
        print("note connection: \(target.connection.routeDescription); TLS trusts \(target.connection.trust.description)")
        let client = target.client(requestTimeout: 10)
        // Read-only: doctor writes nothing (and creates no spool before consent).
        let spool = try? Spool.openExisting(home: context.home)
        let offset = spool.map { StatusReport.savedOffset($0) } ?? 0
        client.clockOffset = offset
        print(
            "note clock offset in force: "
                + (offset == 0
                    ? "none (requests are signed with the local clock)"
                    : "\(ClockOffsetRecord.describe(offset)) (saved by the last flush; doctor signs with it too)"))
        let endpoint = DisplayText.maskingUserInfo(settings.endpoint)
        let bucket = DisplayText.sanitized(settings.bucket)
        let sent = Date()
        do {
            let page = try await client.listObjectsV2(prefix: target.layout.eventsRoot, maxKeys: 1)
            check(true, "endpoint", "reached \(endpoint)")
            check(true, "credentials and signing", "the store accepted a signed listing of bucket \(bucket)")
            print("note this key may list the bucket: uploads need only PutObject under \(DisplayText.sanitized(target.layout.eventsRoot)) (see `cfdev-telemetry policy`)")
            reportSkew(page.serverDate, sent: sent, offset: offset, check: check)
        } catch let error as S3Error {
            explain(error, settings: settings, offset: offset, check: check)
            uploadOnly = error.code == .accessDenied
            if error.status == nil {
                print("note clock: not checked (the store could not be reached)")
            } else {
                reportSkew(error.serverDate, sent: sent, offset: offset, check: check)
            }
        }
        // What an earlier run left, said as such: this run's findings are the lines above.
        if let lastError = try? spool?.meta(.lastError) {
            print("note an earlier upload failed (it may have used other settings): \(DisplayText.maskingUserInfo(lastError))")
        }
        if problems > 0 {
            print("\(problems) problem\(problems == 1 ? "" : "s") found.")
            throw ExitCode.failure
        }
        print(uploadOnly ? "Everything an upload-only key can check looks right." : "Everything looks right.")
    }

    /// The store's clock against the local one, and whether the offset in force covers the difference.
    func reportSkew(_ serverDate: Date?, sent: Date, offset: TimeInterval, check: (Bool, String, String) -> Void) {
        guard let serverDate else {
            print("note clock: the store sent no Date header; skew unknown")
            return
        }
        // The Date header has whole seconds: allow the request's own duration and rounding.
        let skew = serverDate.timeIntervalSince(sent)
        let direction = skew > 0 ? "behind" : "ahead of"
        let measured = String(format: "local clock is %@ the store's by about %.0f s", direction, abs(skew))
        if abs(skew) < S3Error.skewThreshold {
            check(true, "clock", measured)
            if offset != 0 {
                print("note the saved clock offset (\(ClockOffsetRecord.describe(offset))) is no longer needed: the next flush drops it")
            }
        } else if abs(skew - offset) < S3Error.skewThreshold {
            check(true, "clock", measured + " (uploads sign at the store's time with the offset in force; still, fix the system clock: NTP)")
        } else {
            check(false, "clock", measured + " (uploads correct for this from the store's Date, but fix the system clock: NTP)")
        }
    }

    func explain(_ error: S3Error, settings: TelemetrySettings, offset: TimeInterval, check: (Bool, String, String) -> Void) {
        let endpoint = DisplayText.maskingUserInfo(settings.endpoint)
        let bucket = DisplayText.sanitized(settings.bucket)
        switch error.code {
        case .signatureDoesNotMatch:
            check(true, "endpoint", "reached \(endpoint)")
            check(false, "credentials and signing", "the store rejected the signature: the secret access key is probably wrong (\(error.message))")
        case .invalidAccessKeyID:
            check(true, "endpoint", "reached \(endpoint)")
            check(false, "credentials", "the store does not know access key \(TelemetrySettings.mask(settings.accessKeyID))")
        case .noSuchBucket:
            check(true, "endpoint", "reached \(endpoint)")
            check(false, "bucket", "bucket \(bucket) does not exist: create it or fix the bucket name")
        case .accessDenied:
            check(true, "endpoint", "reached \(endpoint)")
            check(true, "credentials and signing", "the store accepted the signature; this key may not list the bucket (an upload-only key)")
            print(
                "note an upload-only key cannot check that bucket \(bucket) exists, that uploads can be read back, or the lifecycle rules: `cfdev-telemetry report` with the reader's key checks those (if this key should be able to upload, `cfdev-telemetry flush` shows whether it can)"
            )
        case .requestTimeTooSkewed:
            check(true, "endpoint", "reached \(endpoint)")
            check(
                false, "clock",
                "the store rejected the request time" + (offset == 0 ? "" : ", signed with the saved offset \(ClockOffsetRecord.describe(offset))")
                    + ": fix the system clock (uploads correct for it from the store's Date)")
        default:
            if error.status == nil {
                check(false, "endpoint", "cannot reach \(endpoint): \(error.message)")
            } else {
                check(false, "store", error.description)
            }
        }
    }
}
