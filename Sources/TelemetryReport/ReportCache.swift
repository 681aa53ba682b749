import Foundation
import GRDB
import TelemetryCore
import TelemetryRules

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The report's local cache: each object's `ObjectPartial`, by store, key and ETag, in one SQLite
/// file (GRDB). A re-run reads only objects whose key is new or whose ETag changed, and forgets
/// rows of objects no longer listed. It holds machine keys (the first 64 bits of anonymous IDs),
/// so it is private: its folder 0700, its file 0600, never a symlink or anything but a regular
/// file of the current user. Nothing from it reaches a report but the partials' counts.
public final class ReportCache: @unchecked Sendable {
    /// Bumped whenever what a partial holds, or how a line is judged, changes: an older cache is
    /// then emptied, since its partials would not be what a cold run reads.
    static let formatVersion = 1

    public let path: String
    let source: String
    private let queue: DatabaseQueue

    /// `$XDG_CACHE_HOME/cfdev-telemetry/report-cache.sqlite`, `XDG_CACHE_HOME` defaulting to `~/.cache`.
    public static func defaultPath(environment: [String: String]) -> String {
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (TelemetryHomePath.userHome { environment[$0] } + "/.cache")
        return base + "/cfdev-telemetry/report-cache.sqlite"
    }

    /// Opens (creating when absent) the cache at `path` for the objects of `source` (the store's
    /// endpoint, bucket and prefix: rows of other stores are kept apart).
    public init(path: String, source: String) throws {
        self.path = path
        self.source = source
        try Self.prepareFile(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // A cache a cold run rebuilds: write-ahead logging with NORMAL sync never damages it on
        // a crash (a power loss may only forget the last days saved) and saves a sync per day.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.write { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                if version != Self.formatVersion {
                    try db.execute(sql: "DROP TABLE IF EXISTS object_partials")
                    try db.execute(
                        sql: """
                            CREATE TABLE object_partials (
                              source TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL,
                              partial BLOB NOT NULL, PRIMARY KEY (source, day, key)) WITHOUT ROWID
                            """)
                    try db.execute(sql: "PRAGMA user_version = \(Self.formatVersion)")
                }
            }
        } catch {
            throw ReportError.cache("cannot use the report cache \(path): \(Self.describe(error)) (run with --no-cache, or delete the file)")
        }
    }

    /// The cached rows of one day: key → (ETag, encoded partial).
    func rows(day: CivilDate) throws -> [String: (etag: String, partial: Data)] {
        try guarded {
            try queue.read { db in
                var rows: [String: (String, Data)] = [:]
                let cursor = try Row.fetchCursor(
                    db, sql: "SELECT key, etag, partial FROM object_partials WHERE source = ? AND day = ?",
                    arguments: [source, day.description])
                while let row = try cursor.next() { rows[row[0]] = (row[1], row[2]) }
                return rows
            }
        }
    }

    /// Saves the partials of objects just read, and forgets the day's rows whose keys are no longer listed.
    func update(day: CivilDate, listed: Set<String>, stale: [String], saving rows: [(key: String, etag: String, partial: ObjectPartial)]) throws {
        try guarded {
            try queue.write { db in
                for key in stale where !listed.contains(key) {
                    try db.execute(
                        sql: "DELETE FROM object_partials WHERE source = ? AND day = ? AND key = ?",
                        arguments: [source, day.description, key])
                }
                for row in rows {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO object_partials (source, day, key, etag, partial) VALUES (?, ?, ?, ?, ?)",
                        arguments: [source, day.description, row.key, row.etag, PartialCoding.encode(row.partial)])
                }
            }
        }
    }

    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ReportError.cache("the report cache \(path) failed: \(Self.describe(error)) (run with --no-cache, or delete the file)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
        return "\(error)"
    }

    /// Creates the folder (0700) and file (0600) when absent; refuses a path that is a symlink, not
    /// a regular file, or not the current user's. SQLite's -wal and -shm files take the file's mode.
    static func prepareFile(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            var info = stat()
            if lstat(folder, &info) != 0 {
                do {
                    try FileManager.default.createDirectory(
                        atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw ReportError.cache("cannot create the report cache folder \(folder): \(error.localizedDescription)")
                }
            } else if (info.st_mode & S_IFMT) != S_IFDIR {
                throw ReportError.cache("the report cache folder \(folder) is not a directory")
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw ReportError.cache("cannot open the report cache \(path): \(reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ReportError.cache("the report cache \(path) is not a regular file")
        }
        guard info.st_uid == geteuid() else {
            throw ReportError.cache("the report cache \(path) belongs to another user")
        }
        if info.st_mode & 0o077 != 0 { fchmod(fd, 0o600) }
    }
}
