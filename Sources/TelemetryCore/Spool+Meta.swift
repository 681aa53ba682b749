import Foundation
import GRDB

extension Spool {
    package func meta(_ key: SpoolKey) throws -> String? {
        try read { db in try Self.getMeta(db, key) }
    }

    package func setMeta(_ key: SpoolKey, _ value: String?) throws {
        try write { db in try Self.setMeta(db, key, value) }
    }

    package func intMeta(_ key: SpoolKey) throws -> Int64? {
        try meta(key).flatMap { Int64($0) }
    }

    /// Sets several keys in one transaction (nil deletes a key).
    package func setMeta(_ values: [SpoolKey: String?]) throws {
        try write { db in
            for (key, value) in values { try Self.setMeta(db, key, value) }
        }
    }

    /// Returns the value of `key`, creating it with `make()` in the same transaction if absent.
    package func metaCreatingIfAbsent(_ key: SpoolKey, _ make: () -> String) throws -> String {
        if let existing = try meta(key) { return existing }
        return try write { db in
            if let existing = try Self.getMeta(db, key) { return existing }
            let value = make()
            try Self.setMeta(db, key, value)
            return value
        }
    }

    /// The per-install salt for name hashes (created on first use).
    package func nameHasher() throws -> NameHasher {
        let hex = try metaCreatingIfAbsent(.salt) { Hex.encode(NameHasher.newSalt()) }
        return NameHasher(salt: Hex.decode(hex) ?? Array(hex.utf8))
    }

    /// The random machine ID used when the OS has none (created on first use).
    package func fallbackMachineID() throws -> String {
        try metaCreatingIfAbsent(.fallbackMachineID) { MachineID.generateRandom() }
    }

    static func getMeta(_ db: Database, _ key: SpoolKey) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key.rawValue])
    }

    static func setMeta(_ db: Database, _ key: SpoolKey, _ value: String?) throws {
        if let value {
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key.rawValue, value])
        } else {
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key.rawValue])
        }
    }

    static func intMeta(_ db: Database, _ key: SpoolKey) throws -> Int? {
        try getMeta(db, key).flatMap { Int($0) }
    }

    /// Adds to a count, saturating: a stored value that is absurd (negative, or near
    /// `Int.max` in a spool someone edited) neither traps nor wraps.
    static func addToMeta(_ db: Database, _ key: SpoolKey, _ delta: Int) throws {
        let (sum, overflow) = max(0, try intMeta(db, key) ?? 0).addingReportingOverflow(delta)
        try setMeta(db, key, String(overflow ? Int.max : sum))
    }
}
