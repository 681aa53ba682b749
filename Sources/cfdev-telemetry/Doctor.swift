import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryUpload

/// `cfdev-telemetry doctor`: checks configuration, endpoint, credentials, signing, clock.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the upload setup: configuration, endpoint, credentials, signing and clock skew.")

    @OptionGroup var upload: UploadOptions

    func run() async throws {
        let context = Context()
        var problems = 0
        func check(_ ok: Bool, _ label: String, _ detail: String) {
            print("\(ok ? "ok  " : "FAIL") \(label): \(detail)")
            if !ok { problems += 1 }
        }
        if let reason = EnvironmentGate.disabledReason(context.environment) {
            print("note \(reason) is set: nothing is recorded or sent in this environment.")
        }
        print("note consent: \(ConsentStore(home: context.home).state().rawValue)")
        let settings: TelemetrySettings
        do {
            settings = upload.apply(to: try SettingsLoader.load(home: context.home, environment: context.environment))
        } catch {
            check(false, "configuration", "\(error)")
            throw ExitCode.failure
        }
        print("note endpoint \(settings.endpoint), bucket \(settings.bucket), prefix \"\(settings.prefix)\", region \(settings.region), \(settings.pathStyle ? "path-style" : "virtual-hosted")")
        print("note access key \(TelemetrySettings.mask(settings.accessKeyID)), secret \(settings.secretAccessKey == nil ? "not set" : "set (hidden)")\(settings.sessionToken == nil ? "" : ", session token set (hidden)")")
        let target: UploadTarget
        do {
            target = try UploadTarget(settings: settings)
            check(true, "configuration", "complete")
        } catch {
            check(false, "configuration", "\(error)")
            throw ExitCode.failure
        }
        let client = target.client(requestTimeout: 10)
        let sent = Date()
        do {
            let page = try await client.listObjectsV2(prefix: target.prefix + "events/v1/", maxKeys: 1)
            check(true, "endpoint", "reached \(settings.endpoint)")
            check(true, "credentials and signing", "the store accepted a signed listing of bucket \(settings.bucket)")
            reportSkew(page.serverDate, sent: sent, check: check)
        } catch let error as S3Error {
            explain(error, settings: settings, check: check)
            reportSkew(error.serverDate, sent: sent, check: check)
        }
        if let lastError = try? context.withSpool({ try $0.meta(.lastError) }) {
            print("note last upload error: \(lastError)")
        }
        if problems > 0 {
            print("\(problems) problem\(problems == 1 ? "" : "s") found.")
            throw ExitCode.failure
        }
        print("Everything looks right.")
    }

    func reportSkew(_ serverDate: Date?, sent: Date, check: (Bool, String, String) -> Void) {
        guard let serverDate else {
            print("note clock: the store sent no Date header; skew unknown")
            return
        }
        // The Date header has whole seconds: allow the request's own duration and rounding.
        let skew = serverDate.timeIntervalSince(sent)
        let ok = abs(skew) < 5 * 60
        check(ok, "clock", String(format: "local clock is %@ the store's by about %.0f s%@", skew > 0 ? "behind" : "ahead of",
                                  abs(skew), ok ? "" : " (uploads correct for this, but fix the system clock: NTP)"))
    }

    func explain(_ error: S3Error, settings: TelemetrySettings, check: (Bool, String, String) -> Void) {
        switch error.code {
        case "SignatureDoesNotMatch":
            check(true, "endpoint", "reached \(settings.endpoint)")
            check(false, "credentials and signing", "the store rejected the signature: the secret access key is probably wrong (\(error.message))")
        case "InvalidAccessKeyId":
            check(true, "endpoint", "reached \(settings.endpoint)")
            check(false, "credentials", "the store does not know access key \(TelemetrySettings.mask(settings.accessKeyID))")
        case "NoSuchBucket":
            check(true, "endpoint", "reached \(settings.endpoint)")
            check(false, "bucket", "bucket \(settings.bucket) does not exist: create it or fix the bucket name")
        case "AccessDenied":
            check(true, "endpoint", "reached \(settings.endpoint)")
            check(true, "credentials and signing", "accepted, but these credentials may not list the bucket (uploads need only PutObject)")
        case "RequestTimeTooSkewed":
            check(true, "endpoint", "reached \(settings.endpoint)")
            check(false, "clock", "the store rejected the request time: fix the system clock (uploads correct for it from the store's Date)")
        default:
            if error.status == nil {
                check(false, "endpoint", "cannot reach \(settings.endpoint): \(error.message)")
            } else {
                check(false, "store", error.description)
            }
        }
    }
}
