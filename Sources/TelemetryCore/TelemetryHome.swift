import Foundation
import TelemetryRules

/// Where the telemetry files live: `$CFDEV_HOME/telemetry`, `CFDEV_HOME` defaulting to
/// `~/.cfdev` (`TelemetryHomePath`). The folder must be the user's own and private
/// (`PrivateDirectory`); files in it are opened without following links (`SafeFile`).
package struct TelemetryHome: Sendable, Equatable {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    package init(environment: [String: String]) {
        directory = TelemetryHomePath.directory { environment[$0] }
    }

    package var spoolPath: String { directory + "/" + Self.spoolName }
    package var consentPath: String { directory + "/" + ConsentFile.fileName }
    package var configPath: String { directory + "/" + Self.configName }
    package var logPath: String { directory + "/" + Self.logName }
    package var flushLockPath: String { directory + "/" + Self.flushLockName }

    static let spoolName = "spool.sqlite"
    static let configName = "config.json"
    static let logName = "telemetry.log"
    static let flushLockName = "flush.lock"

    /// Whether `name` is one this product gives a file in the folder: the only names
    /// `uninstall --purge` deletes. The spool with SQLite's WAL, shared-memory and rollback
    /// journal files, a corrupt spool moved aside (`Spool.moveAside`), consent and its
    /// temporary file (`ConsentStore.save`), the settings, the log and its one rotated
    /// generation (`TelemetryLog`), the flush lock (`FlushLock`). Not the `.refused-` names:
    /// those are links, FIFOs or folders someone else put in the spool's place.
    package static func isProductFileName(_ name: String) -> Bool {
        let exact: Set<String> = [
            spoolName, spoolName + "-wal", spoolName + "-shm", spoolName + "-journal",
            ConsentFile.fileName, configName, logName, logName + ".1", flushLockName, ErasureRecord.fileName,
        ]
        if exact.contains(name) { return true }
        func suffix(after prefix: String) -> Substring? { name.hasPrefix(prefix) ? name.dropFirst(prefix.count) : nil }
        if let stamp = suffix(after: spoolName + corruptSuffix) {
            return !stamp.isEmpty && stamp.count <= 20 && stamp.allSatisfy { ("0"..."9").contains($0) }
        }
        if let random = suffix(after: ConsentFile.fileName + temporarySuffix) ?? suffix(after: ErasureRecord.fileName + temporarySuffix) {
            return random.count == 16 && random.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
        }
        return false
    }

    /// `spool.sqlite.corrupt-<epoch ms>`.
    static let corruptSuffix = ".corrupt-"
    /// `consent.json.tmp-<16 hex digits>`.
    static let temporarySuffix = ".tmp-"

    /// Creates the folder (0700, with its parents) if needed, or checks the one that is
    /// there: not a link, owned by the user running, writable by nobody else.
    package func ensureExists() throws {
        do {
            try PrivateDirectory.ensure(directory)
        } catch {
            throw TelemetryError.io("the telemetry folder \(error)")
        }
    }

    /// Why the folder may not be used (one line), or nil when it may (or does not exist yet).
    package func refusal() -> String? {
        guard let problem = PrivateDirectory.check(directory), problem.code != ENOENT else { return nil }
        return "the telemetry folder \(problem)"
    }

    /// Opens (creating it 0600 if missing) the regular file at `path` for writing, never
    /// through a link and never blocking on a FIFO. An existing file's mode is left alone.
    package static func openPrivateFile(_ path: String, flags: Int32 = O_WRONLY) throws -> Int32 {
        switch SafeFile.openRegular(path, flags: flags | O_CREAT, mode: 0o600) {
        case .success(let fd): return fd
        case .failure(let problem): throw TelemetryError.io("cannot open \(problem)")
        }
    }

    /// Creates `path` empty (0600) if it does not exist; refuses a link, FIFO or device.
    package static func ensurePrivateFile(_ path: String) throws {
        close(try openPrivateFile(path))
    }
}

/// Errors of the telemetry machinery. Each description is one line.
package enum TelemetryError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case configuration(String)
    case spool(String)

    package var description: String {
        switch self {
        case .io(let message), .configuration(let message), .spool(let message): return message
        }
    }
}
