import Foundation
import GRDB
import TelemetryRules

/// The local SQLite spool: pending events, sealed upload batches and a little
/// state. WAL, immediate transactions and a busy timeout let concurrent shims and a
/// running flusher share it without losing an event to "database is locked"; every change
/// is one transaction, so `kill -9` at any point loses nothing that was committed.
package final class Spool: Sendable {
    package let path: String
    let queue: DatabaseQueue

    /// How long a writer waits for another before giving up, by default. The shim passes
    /// a shorter wait: it never holds up the user's command for long.
    package static let defaultBusyTimeout: TimeInterval = 5

    init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens (creating if needed) the spool of `home`. A file that is not a database or is
    /// corrupt is moved aside (`spool.sqlite.corrupt-<ms>`) and a new spool is created.
    package static func open(
        home: TelemetryHome, log: TelemetryLog? = nil,
        busyTimeout: TimeInterval = defaultBusyTimeout
    ) throws -> Spool {
        try home.ensureExists()
        if let aside = try moveAsideIfNotRegular(path: home.spoolPath) {
            log?.write("spool \(home.spoolPath) was not a regular file; moved aside to \(aside) and recreated")
        }
        do {
            return try openOnce(path: home.spoolPath, busyTimeout: busyTimeout)
        } catch let error as DatabaseError where error.isCorruption {
            let aside = try moveAside(path: home.spoolPath)
            log?.write("spool \(home.spoolPath) unreadable (\(error.resultCode)); moved aside to \(aside) and recreated")
            return try openOnce(path: home.spoolPath, busyTimeout: busyTimeout)
        }
    }

    static func openOnce(path: String, busyTimeout: TimeInterval) throws -> Spool {
        try TelemetryHome.ensurePrivateFile(path)
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "cfdev-telemetry.spool"
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync survives a killed process; only an OS crash can roll
            // back the very last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let version = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        if version < SpoolSchema.latestVersion {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try SpoolSchema.migrate(db)
                    return .commit
                }
            }
        }
        return Spool(path: path, queue: queue)
    }

    /// Opens the spool of `home` read-only, creating nothing: nil when there is none (or the
    /// telemetry folder or the spool is refused: a link, a FIFO, a foreign owner). For
    /// `status` and `show`, which must work on a read-only home and before consent.
    package static func openExisting(home: TelemetryHome) throws -> Spool? {
        guard PrivateDirectory.check(home.directory) == nil else { return nil }
        guard FileKind(atPath: home.spoolPath) == .regular,
            ["-wal", "-shm"].allSatisfy({ [.absent, .regular].contains(FileKind(atPath: home.spoolPath + $0)) })
        else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(defaultBusyTimeout)
        configuration.label = "cfdev-telemetry.spool.read"
        let queue = try DatabaseQueue(path: home.spoolPath, configuration: configuration)
        let version = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        guard version == SpoolSchema.latestVersion else { return nil }
        return Spool(path: home.spoolPath, queue: queue)
    }

    /// A spool path that holds a link, FIFO, folder or device is renamed aside (the entry
    /// itself, never what a link points to), and so are such WAL/SHM companions, so that
    /// SQLite only ever opens regular files. Returns the spool's new name if it moved.
    static func moveAsideIfNotRegular(path: String) throws -> String? {
        var moved: String?
        for suffix in ["", "-wal", "-shm"] {
            guard ![.absent, .regular].contains(FileKind(atPath: path + suffix)) else { continue }
            let aside = path + suffix + ".refused-\(WallClock.nowMilliseconds())"
            guard rename(path + suffix, aside) == 0 else {
                throw TelemetryError.spool("\(path + suffix) is not a regular file and cannot be moved aside (\(SafeFile.describe(errno)))")
            }
            if suffix.isEmpty { moved = aside }
        }
        return moved
    }

    /// Renames the database and its WAL/SHM files aside; returns the new name.
    static func moveAside(path: String) throws -> String {
        let aside = path + TelemetryHome.corruptSuffix + "\(WallClock.nowMilliseconds())"
        for suffix in ["-wal", "-shm"] {
            _ = unlink(path + suffix)
        }
        guard rename(path, aside) == 0 else {
            throw TelemetryError.spool("cannot move the unreadable spool \(path) aside (errno \(errno))")
        }
        return aside
    }

    /// Runs `body` in one immediate (write-locking) transaction: GRDB's `write`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.write(body)
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.read(body)
    }
}

extension Spool {
    /// Whether `error` means the spool file is not a usable database.
    package static func isCorruption(_ error: Error) -> Bool {
        (error as? DatabaseError)?.isCorruption ?? false
    }
}

extension DatabaseError {
    /// Errors that mean the file is not a usable database: it is moved aside and recreated.
    package var isCorruption: Bool {
        resultCode.primaryResultCode == .SQLITE_NOTADB || resultCode.primaryResultCode == .SQLITE_CORRUPT
    }
}
