import Foundation
import TelemetryRules

/// The user's saved answer. `unknown` means never asked (or asked under an older policy).
package enum ConsentState: String, Sendable, Codable {
    case unknown, on, off
}

/// Reads and writes `consent.json` (its format is `ConsentFile`'s, shared with the shim's
/// front), kept apart from the spool so that a recreated spool never loses it.
package struct ConsentStore: Sendable {
    package let home: TelemetryHome

    package init(home: TelemetryHome) {
        self.home = home
    }

    /// The saved record, or nil when there is none (or it is not a readable consent file).
    package func load() -> ConsentFile? {
        ConsentFile.read(directory: home.directory)
    }

    /// The state in force: a record saved under another policy version counts as never asked.
    package func state() -> ConsentState {
        switch load()?.stateInForce {
        case .on?: return .on
        case .off?: return .off
        case nil: return .unknown
        }
    }

    /// Saves the answer atomically: a new private temporary file (created exclusively, so a
    /// link planted at its name is never written through), synced, then renamed. On a full
    /// disk, where no new file can be made, the existing consent file is rewritten in place
    /// (a few bytes in the block it already has), so that `off` still takes effect.
    package func save(_ state: ConsentState, now: Int64 = WallClock.nowMilliseconds()) throws {
        guard state != .unknown else { return }
        try home.ensureExists()
        let text = Array(ConsentFile(state: state == .on ? .on : .off, time: Timestamp.iso8601(milliseconds: now)).text.utf8)
        let temporary = home.consentPath + TelemetryHome.temporarySuffix + Hex.encode(RandomBytes.make(8))
        var failure: FileProblem
        switch SafeFile.createExclusive(temporary) {
        case .failure(let problem): failure = problem
        case .success(let fd):
            let written = SafeFile.writeAll(fd, text) && fsync(fd) == 0
            let code = errno
            close(fd)
            if written && rename(temporary, home.consentPath) == 0 { return }
            failure = FileProblem(path: home.consentPath, code: written ? errno : code, reason: SafeFile.describe(written ? errno : code))
            unlink(temporary)
        }
        if failure.code == ENOSPC || failure.code == EDQUOT, rewriteInPlace(text) { return }
        throw TelemetryError.io("cannot save \(home.consentPath): \(failure.reason)")
    }

    /// Overwrites the existing consent file's bytes (never through a link); false if there
    /// is none or it could not be done.
    private func rewriteInPlace(_ text: [UInt8]) -> Bool {
        guard case .success(let fd) = SafeFile.openRegular(home.consentPath, flags: O_WRONLY) else { return false }
        defer { close(fd) }
        return SafeFile.writeAll(fd, text) && ftruncate(fd, off_t(text.count)) == 0 && fsync(fd) == 0
    }
}
