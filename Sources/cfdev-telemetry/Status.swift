import ArgumentParser
import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore
import TelemetryUpload

/// `cfdev-telemetry status`: consent, what is pending, where, and how uploads are going.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the consent state, pending and dropped events, and the last upload.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let context = Context()
        let report = try StatusReport.gather(context)
        if json {
            let data = try JSONSerialization.data(withJSONObject: report.jsonObject, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}

/// Everything `status` shows. Secrets are masked; the raw machine ID is never included.
struct StatusReport {
    var consent: ConsentState
    var consentRecord: ConsentFile?
    var disabledBy: TelemetryOverride?
    /// The managed policy file, when one is there but not trusted (ignored).
    var managedUntrusted: String?
    var pending: Int
    var droppedUnreported: Int
    var droppedTotal: Int
    var spoolPath: String
    /// Shown only once consent is on and the spool exists: nothing is derived before.
    var anonymousID: String?
    /// Why the telemetry folder is refused (a link, a foreign owner, open to others), if it is.
    var homeRefusal: String?
    var lastFlushMs: Int64?
    var lastAttemptMs: Int64?
    var nextAttemptMs: Int64?
    var lastError: String?
    var resolved: ResolvedSettings?
    var settingsError: String?
    /// The clock offset the next upload signs with (seconds; 0: none).
    var clockOffset: TimeInterval
    /// This machine's erasure request (`forget`), pending or landed, if one was made.
    var erasure: ErasureRecord?
    var erasureError: String?

    var settings: TelemetrySettings? { resolved?.settings }

    static func gather(_ context: Context) throws -> StatusReport {
        let store = ConsentStore(home: context.home)
        var resolved: ResolvedSettings?
        var settingsError: String?
        do {
            resolved = try SettingsLoader.resolve(home: context.home, environment: context.environment, audience: .client)
        } catch {
            settingsError = "\(error)"
        }
        let consent = store.state()
        let managed = ManagedPolicy.state()
        var report = StatusReport(
            consent: consent, consentRecord: store.load(), disabledBy: TelemetryOverride.current({ context.environment[$0] }, managed: managed),
            pending: 0, droppedUnreported: 0, droppedTotal: 0, spoolPath: context.home.spoolPath,
            homeRefusal: context.home.refusal(), resolved: resolved, settingsError: settingsError, clockOffset: 0)
        if case .untrusted(let why) = managed { report.managedUntrusted = why }
        do {
            report.erasure = try ErasureRecord.load(home: context.home)
        } catch {
            report.erasureError = "\(error)"
        }
        // Read-only, creating nothing: `status` works on a read-only home and before consent.
        guard let spool = try Spool.openExisting(home: context.home) else { return report }
        let dropped = try spool.droppedCounts()
        report.pending = try spool.pendingCount()
        report.droppedUnreported = dropped.unreported
        report.droppedTotal = dropped.total
        if consent == .on { report.anonymousID = try? context.recorder.anonymousID(spool: spool) }
        report.lastFlushMs = try spool.intMeta(.lastFlushSuccessMs)
        report.lastAttemptMs = try spool.intMeta(.lastFlushAttemptMs)
        report.nextAttemptMs = try spool.intMeta(.nextAttemptMs)
        report.lastError = try spool.meta(.lastError).map { DisplayText.maskingUserInfo($0) }
        report.clockOffset = Self.savedOffset(spool)
        return report
    }

    /// The saved offset if the flusher would use it (read only: status changes nothing).
    static func savedOffset(_ spool: Spool) -> TimeInterval {
        guard let raw = try? spool.meta(.clockOffsetMs), let ms = Int64(raw),
            S3Client.isPlausibleOffset(Double(ms) / 1000)
        else { return 0 }
        return Double(ms) / 1000
    }

    /// A time read from the spool, shown only when it is one (year 1970 to 9999): the spool is
    /// a file anyone with the account could have edited.
    static func time(_ ms: Int64?) -> String? {
        guard let ms else { return nil }
        guard (0...253_402_300_799_999).contains(ms) else { return "(not a valid time: \(ms))" }
        return Timestamp.iso8601(milliseconds: ms)
    }

    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "consent": consent.rawValue,
            "pending": pending,
            "dropped": droppedTotal,
            "dropped_unreported": droppedUnreported,
            "spool": spoolPath,
            "build": BuildInfo.version,
        ]
        object["anonymous_id"] = anonymousID ?? NSNull()
        object["telemetry_folder_refused"] = homeRefusal ?? NSNull()
        object["consent_time"] = consentRecord?.time ?? NSNull()
        object["policy_version"] = ConsentPolicy.version
        if case .environment(let variable) = disabledBy {
            object["disabled_by_environment"] = variable
        } else {
            object["disabled_by_environment"] = NSNull()
        }
        if case .managed(let path) = disabledBy {
            object["disabled_by_managed_policy"] = path
        } else {
            object["disabled_by_managed_policy"] = NSNull()
        }
        object["managed_policy_ignored"] = managedUntrusted ?? NSNull()
        object["last_flush"] = Self.time(lastFlushMs) ?? NSNull()
        object["last_attempt"] = Self.time(lastAttemptMs) ?? NSNull()
        object["next_attempt"] = Self.time(nextAttemptMs) ?? NSNull()
        object["last_error"] = lastError ?? NSNull()
        object["clock_offset_seconds"] = clockOffset == 0 ? NSNull() : clockOffset
        if let resolved {
            object["settings"] = SettingsDisplay(resolved).jsonObject
            object["shipped_defaults"] = resolved.shippedDefaults ?? NSNull()
            object["config_warnings"] = resolved.warnings
            object["shipped_defaults_refused"] = resolved.refusedShippedDefaults ?? NSNull()
            object["ignored_environment"] = resolved.ignoredVariables.map { DisplayText.sanitized($0, limit: 60) }
        }
        if let settings {
            object["upload"] =
                [
                    "endpoint": DisplayText.maskingUserInfo(settings.endpoint), "bucket": settings.bucket, "prefix": settings.prefix,
                    "region": settings.region, "path_style": settings.pathStyle,
                    "access_key_id": TelemetrySettings.mask(settings.accessKeyID),
                    "secret_access_key": settings.secretAccessKey == nil ? "(not set)" : "(set, hidden)",
                    "session_token": settings.sessionToken == nil ? "(not set)" : "(set, hidden)",
                    "flush_interval_seconds": settings.flushIntervalSeconds,
                    "max_pending_events": settings.maxPendingEvents,
                ] as [String: Any]
        }
        object["config_error"] = settingsError ?? NSNull()
        if let erasure {
            object["erasure_request"] =
                [
                    "anonymous_id": erasure.request.anonymousID, "requested_at": erasure.request.requestedAt,
                    "state": erasure.isPending ? "pending" : "landed",
                    "landed_at": erasure.landedMs.map { Timestamp.iso8601(milliseconds: $0) } ?? NSNull(),
                ] as [String: Any]
        } else {
            object["erasure_request"] = NSNull()
        }
        object["erasure_request_error"] = erasureError ?? NSNull()
        return object
    }

    var text: String {
        var lines: [String] = []
        let consentLine: String
        switch consent {
        case .on: consentLine = "on" + (consentRecord.map { " (since \($0.time))" } ?? "")
        case .off: consentLine = "off" + (consentRecord.map { " (since \($0.time))" } ?? "")
        case .unknown: consentLine = "not asked yet (asked on the next interactive `cf dev start`; nothing is recorded until then)"
        }
        lines.append("Telemetry:       \(consentLine)")
        if let disabledBy { lines.append("                 \(disabledBy.cause): nothing is recorded or sent") }
        if let managedUntrusted { lines.append("Ignored:         \(ManagedPolicy.path): \(managedUntrusted) (an administrator's policy must be root's alone)") }
        lines.append("Pending events:  \(pending)")
        lines.append("Dropped events:  \(droppedTotal) (at the cap; \(droppedUnreported) not yet reported)")
        lines.append("Spool:           \(spoolPath)")
        if let anonymousID { lines.append("Anonymous ID:    \(anonymousID)") }
        if let homeRefusal { lines.append("Refused:         \(homeRefusal); nothing is recorded until it is fixed") }
        lines.append("Last upload:     \(Self.time(lastFlushMs) ?? "never")")
        if let next = Self.time(nextAttemptMs) { lines.append("Next attempt:    not before \(next)") }
        if let lastError { lines.append("Last error:      \(lastError)") }
        if let erasure {
            let state =
                erasure.landedMs.map { "in the store since \(Timestamp.iso8601(milliseconds: $0))" }
                ?? "pending (sent first by the next `cfdev-telemetry flush`)"
            lines.append("Erasure request: made \(erasure.request.requestedAt), \(state)")
        }
        if let erasureError { lines.append("Erasure request: \(erasureError)") }
        lines.append(
            "Clock offset:    "
                + (clockOffset == 0
                    ? "none (requests are signed with the local clock)"
                    : "\(ClockOffsetRecord.describe(clockOffset)) (learnt from the store; requests are signed at its time)"))
        if let resolved {
            lines.append("Settings:        (value, and where it came from)")
            lines += SettingsDisplay(resolved).lines
            if let note = SettingsDisplay.ignoredNote(resolved) { lines.append("AWS variables:   " + note) }
            if let refused = resolved.refusedShippedDefaults {
                lines.append("Refused:         shipped defaults \(refused) (the built-in settings apply)")
            }
            for warning in resolved.warnings { lines.append("Config warning:  \(warning)") }
        }
        if let settingsError { lines.append("Config error:    \(settingsError)") }
        return lines.joined(separator: "\n")
    }
}
