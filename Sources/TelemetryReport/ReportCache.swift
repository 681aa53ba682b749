import Crypto
import Foundation
import GRDB
import Platform
import TelemetryCore
import TelemetryRules

/// The report's local cache: each object's `ObjectPartial`, by store, key and ETag, in one SQLite
/// file (GRDB). A re-run reads only objects whose key is new or whose ETag changed, and forgets
/// rows of objects no longer listed. It holds machine keys (the first 64 bits of anonymous IDs),
/// so it is private: its folder 0700, its file 0600, never a symlink or anything but a regular
/// file of the current user. Nothing from it reaches a report but the partials' counts.
///
/// Each row carries an HMAC-SHA256 over its source, day, key, ETag and partial, keyed with 32
/// random bytes kept in `<cache>.key` beside it (0600, created and checked as the cache file
/// is). A row whose MAC does not match is a cache miss: its object is read from the store again
/// and the row rewritten, so the report prints what a cold run prints. The threat is whoever can
/// rewrite the cache file (a copy shared or restored from elsewhere, a tool that edits it, a
/// disk that flips bits): a plain checksum in the row they could recompute, and a row swapped
/// for another's valid row would still decode and change the published numbers silently. The
/// key is not in the file, so no one holding only the file can make a row that passes. Someone
/// who can also read the key file (the same user) can forge rows; nothing kept locally stops
/// that. A key file that is not 32 bytes, or that others could read, is replaced by a new key
/// (every row is then read again); one that is a link, not a regular file or another user's is
/// a one-line error.
package final class ReportCache: Sendable {
    /// Bumped whenever what a partial holds, or how a line is judged, or the table, changes: an
    /// older cache is then emptied, since its partials would not be what a cold run reads.
    /// 2: rows carry a MAC. 3: partials carry erased events; rows carry the erasure variant.
    /// 4: partials coded a word at a time (the faster report). 5: span summaries (`SpanSummary`);
    /// partials in a rowid table (a lookup in a WITHOUT ROWID table read every large partial it
    /// compared its key with). 6: a summary row in parts of a megabyte (saving one held it whole, thrice).
    static let formatVersion = 6

    package let path: String
    let source: String
    /// What else a partial depends on: the digest of the erasure requests it was read under
    /// (`ErasureSet.digest`). A row of another variant is a miss: read again and replaced, so a
    /// new request is honoured by cached days too, and an erased event is never served again.
    let variant: String
    let queue: DatabaseQueue
    /// The MAC key's bytes (swift-crypto's `SymmetricKey` is not `Sendable`; one is made per use).
    private let keyBytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The key file of the cache at `path`.
    package static func keyPath(cache path: String) -> String { path + ".key" }

    /// `$XDG_CACHE_HOME/cfdev-telemetry/report-cache.sqlite`, `XDG_CACHE_HOME` defaulting to `~/.cache`.
    package static func defaultPath(environment: [String: String]) -> String {
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (TelemetryHomePath.userHome { environment[$0] } + "/.cache")
        return base + "/cfdev-telemetry/report-cache.sqlite"
    }

    /// Opens (creating when absent) the cache at `path` for the objects of `source` (the store's
    /// endpoint, bucket and prefix: rows of other stores are kept apart).
    package init(path: String, source: String, variant: String = "") throws {
        self.path = path
        self.source = source
        self.variant = variant
        try Self.prepareFile(path)
        keyBytes = try Self.loadKey(Self.keyPath(cache: path)).withUnsafeBytes { Array($0) }
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
                    try db.execute(sql: "DROP TABLE IF EXISTS span_summaries")
                    try db.execute(
                        sql: """
                            CREATE TABLE object_partials (
                              source TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL,
                              mac BLOB NOT NULL, partial BLOB NOT NULL, UNIQUE (source, day, key))
                            """)
                    try db.execute(sql: Self.summaryTable)
                    try db.execute(sql: "PRAGMA user_version = \(Self.formatVersion)")
                }
            }
        } catch {
            throw ReportError.cache("cannot use the report cache \(path): \(Self.describe(error)) (run with --no-cache, or delete the file)")
        }
    }

    /// One cached row, its MAC not yet checked (`verified` checks it, off the reader's task).
    struct Row: Sendable {
        var day: CivilDate
        var key: String
        var etag: String
        var partial: Data
        var mac: Data
    }

    /// The cached rows of one day, by key.
    func rows(day: CivilDate) throws -> [String: Row] {
        try guarded {
            try queue.read { db in
                var rows: [String: Row] = [:]
                let cursor = try GRDB.Row.fetchCursor(
                    db, sql: "SELECT key, etag, partial, mac FROM object_partials WHERE source = ? AND day = ?",
                    arguments: [source, day.description])
                while let row = try cursor.next() {
                    let objectKey: String = row[0], storedETag: String = row[1]
                    // The stored ETag is `<etag>|<variant>`: another variant's row is a miss (its
                    // ETag here matches no object's), read again and replaced.
                    let suffix = "|" + variant
                    guard storedETag.hasSuffix(suffix) else {
                        rows[objectKey] = Row(day: day, key: objectKey, etag: "", partial: Data(), mac: Data())
                        continue
                    }
                    rows[objectKey] = Row(
                        day: day, key: objectKey, etag: String(storedETag.dropLast(suffix.count)), partial: row[2], mac: row[3])
                }
                return rows
            }
        }
    }

    /// The cached row of one object, if any.
    func row(day: CivilDate, key objectKey: String) throws -> Row? {
        try guarded {
            try queue.read { db in
                guard
                    let row = try GRDB.Row.fetchOne(
                        db, sql: "SELECT etag, partial, mac FROM object_partials WHERE source = ? AND day = ? AND key = ?",
                        arguments: [source, day.description, objectKey])
                else { return nil }
                let storedETag: String = row[0]
                let suffix = "|" + variant
                guard storedETag.hasSuffix(suffix) else { return nil }
                return Row(day: day, key: objectKey, etag: String(storedETag.dropLast(suffix.count)), partial: row[1], mac: row[2])
            }
        }
    }

    /// The row's encoded partial when its MAC matches, else nil (read the object again).
    func verified(_ row: Row) -> Data? {
        let expected = Self.mac(source: source, day: row.day, key: row.key, etag: row.etag + "|" + variant, partial: row.partial, using: key)
        return expected == row.mac ? row.partial : nil
    }

    /// A row's MAC: HMAC-SHA256 over the format version and each field, length first.
    static func mac(source: String, day: CivilDate, key objectKey: String, etag: String, partial: Data, using key: SymmetricKey)
        -> HashedAuthenticationCode<SHA256>
    {
        var hmac = HMAC<SHA256>(key: key)
        for field in [Data("report-cache-\(formatVersion)".utf8), Data(source.utf8), Data(day.description.utf8), Data(objectKey.utf8), Data(etag.utf8)] {
            withUnsafeBytes(of: UInt64(field.count).bigEndian) { hmac.update(data: $0) }
            hmac.update(data: field)
        }
        withUnsafeBytes(of: UInt64(partial.count).bigEndian) { hmac.update(data: $0) }
        hmac.update(data: partial)
        return hmac.finalize()
    }

    /// Saves the partials of objects just read, and forgets the day's rows whose keys are no longer listed.
    func update(day: CivilDate, listed: Set<String>, stale: [String], saving rows: [(key: String, etag: String, partial: ObjectPartial)]) throws {
        if rows.isEmpty && stale.allSatisfy({ listed.contains($0) }) { return }
        try guarded {
            try queue.write { db in
                for key in stale where !listed.contains(key) {
                    try db.execute(
                        sql: "DELETE FROM object_partials WHERE source = ? AND day = ? AND key = ?",
                        arguments: [source, day.description, key])
                }
                // Compiled once for the day's rows (thousands on a day of client objects).
                let insert = try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO object_partials (source, day, key, etag, partial, mac) VALUES (?, ?, ?, ?, ?, ?)")
                for row in rows {
                    let partial = PartialCoding.encode(row.partial)
                    let etag = row.etag + "|" + variant
                    let mac = Data(Self.mac(source: source, day: day, key: row.key, etag: etag, partial: partial, using: key))
                    try insert.execute(arguments: [source, day.description, row.key, etag, partial, mac])
                }
            }
        }
    }

    func guarded<T>(_ body: () throws -> T) throws -> T {
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
        let fd: Int32
        switch SafeFile.openRegular(path, flags: O_RDWR | O_CREAT, mode: 0o600) {
        case .success(let opened): fd = opened
        case .failure(let problem) where problem.code == EINVAL:
            throw ReportError.cache("the report cache \(path) is not a regular file")
        case .failure(let problem):
            throw ReportError.cache("cannot open the report cache \(path): \(problem.code == ELOOP ? "it " : "")\(problem.reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReportError.cache("cannot open the report cache \(path): \(SafeFile.describe(errno))") }
        guard info.st_uid == geteuid() else {
            throw ReportError.cache("the report cache \(path) belongs to another user")
        }
        if info.st_mode & 0o077 != 0 { fchmod(fd, 0o600) }
    }

    /// The MAC key in `keyPath`, created (32 random bytes, 0600) when absent: written to a new
    /// file of its own, then linked into place, so a key file is never seen half written and
    /// two reports starting at once end up with the same key.
    static func loadKey(_ keyPath: String) throws -> SymmetricKey {
        func refuse(_ reason: String) -> ReportError {
            ReportError.cache("cannot use the report cache key \(keyPath): \(reason) (run with --no-cache, or delete the file)")
        }
        for _ in 0..<5 {
            switch SafeFile.openRegular(keyPath, flags: O_RDONLY) {
            case .success(let fd):
                defer { close(fd) }
                var info = stat()
                guard fstat(fd, &info) == 0 else { throw refuse(SafeFile.describe(errno)) }
                guard info.st_uid == geteuid() else { throw refuse("it belongs to another user") }
                if case .contents(let bytes) = SafeFile.read(descriptor: fd, limit: 32), bytes.count == 32, info.st_mode & 0o077 == 0 {
                    return SymmetricKey(data: bytes)
                }
                // Not a key, or one others could read: a new key (every row is read again).
                if unlink(keyPath) != 0 && errno != ENOENT { throw refuse(SafeFile.describe(errno)) }
            case .failure(let problem) where problem.code == ENOENT:
                let key = SymmetricKey(size: .bits256)
                let temporary = keyPath + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).new"
                let fd: Int32
                switch SafeFile.createExclusive(temporary) {
                case .success(let opened): fd = opened
                case .failure(let problem): throw refuse(problem.reason)
                }
                defer { unlink(temporary) }
                let written = key.withUnsafeBytes { SafeFile.writeAll(fd, Array($0)) } && fsync(fd) == 0
                close(fd)
                guard written else { throw refuse("cannot write it") }
                if link(temporary, keyPath) == 0 { return key }
                // EEXIST: another report created it meanwhile; read that one.
                guard errno == EEXIST else { throw refuse(SafeFile.describe(errno)) }
            case .failure(let problem):
                throw refuse(problem.reason)
            }
        }
        throw refuse("it keeps changing")
    }
}
