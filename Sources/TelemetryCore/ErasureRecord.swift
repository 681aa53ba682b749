import Foundation
import TelemetryRules

/// This machine's erasure request as kept in the telemetry home (`erasure.json`) until it is in
/// the store and after: the request, and when the store confirmed it (nil while pending). Written
/// atomically (a new private file, synced, renamed into place), so a `kill -9` leaves the old
/// record or the new one; `flush` sends a pending one before any event.
package struct ErasureRecord: Sendable, Equatable {
    package var request: ErasureRequest
    /// When the store answered 2xx (or 412: an earlier attempt landed); nil while pending.
    package var landedMs: Int64?

    package init(request: ErasureRequest, landedMs: Int64? = nil) {
        self.request = request
        self.landedMs = landedMs
    }

    package var isPending: Bool { landedMs == nil }

    package static let fileName = ErasureFile.name
    static let maxFileBytes = 4096

    package static func path(home: TelemetryHome) -> String { home.directory + "/" + fileName }

    /// The record's text: the request's fields, and `landed_at` once it landed.
    var text: String {
        var text =
            "{\"schema\":\(ErasureRequest.schemaVersion),\"anonymous_id\":\"\(request.anonymousID)\",\"requested_at\":\"\(request.requestedAt)\""
        if let landedMs { text += ",\"landed_at\":\"\(Timestamp.iso8601(milliseconds: landedMs))\"" }
        return text + "}\n"
    }

    /// What is in the home: nil when there is no record; an error (one line naming the file) when
    /// there is one that cannot be read as a record.
    package static func load(home: TelemetryHome) throws -> ErasureRecord? {
        let path = path(home: home)
        switch SafeFile.read(path, limit: maxFileBytes) {
        case .missing:
            return nil
        case .tooLarge:
            throw TelemetryError.io("the erasure request \(path) is larger than \(maxFileBytes) bytes")
        case .refused(let why):
            throw TelemetryError.io("the erasure request \(path) \(why)")
        case .contents(let bytes):
            guard var object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw TelemetryError.io("the erasure request \(path) is not a JSON object")
            }
            let landed = object.removeValue(forKey: "landed_at")
            let landedMs = (landed as? String).flatMap(ErasureRequest.milliseconds(ofTimestamp:))
            guard
                let body = try? JSONSerialization.data(withJSONObject: object),
                let request = ErasureRequest.parse(Array(body)),
                landed == nil || landedMs != nil
            else { throw TelemetryError.io("the erasure request \(path) is not one this product wrote") }
            return ErasureRecord(request: request, landedMs: landedMs)
        }
    }

    /// Saves the record atomically (see the type's comment).
    package func save(home: TelemetryHome) throws {
        try home.ensureExists()
        let path = Self.path(home: home)
        let temporary = path + TelemetryHome.temporarySuffix + Hex.encode(RandomBytes.make(8))
        switch SafeFile.createExclusive(temporary) {
        case .failure(let problem):
            throw TelemetryError.io("cannot save the erasure request \(path): \(problem.reason)")
        case .success(let fd):
            let written = SafeFile.writeAll(fd, Array(text.utf8)) && fsync(fd) == 0
            let code = errno
            close(fd)
            guard written, rename(temporary, path) == 0 else {
                let reason = SafeFile.describe(written ? errno : code)
                unlink(temporary)
                throw TelemetryError.io("cannot save the erasure request \(path): \(reason)")
            }
            // The rename itself is made durable: the folder is synced.
            let folder = open(home.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if folder >= 0 {
                fsync(folder)
                close(folder)
            }
        }
    }
}
