import GRDB

/// The spool's schema and its migrations, keyed by `PRAGMA user_version`. Each migration
/// runs in an immediate transaction, so concurrent first opens of a new spool are safe.
enum SpoolSchema {
    static let migrations: [String] = [
        // v1
        """
        CREATE TABLE batch (
            id TEXT PRIMARY KEY,
            object_key TEXT NOT NULL,
            day TEXT NOT NULL,
            body BLOB NOT NULL,
            event_count INTEGER NOT NULL,
            dropped_reported INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL
        );
        CREATE TABLE event (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL,
            day TEXT NOT NULL,
            line TEXT NOT NULL,
            batch_id TEXT REFERENCES batch(id)
        );
        CREATE INDEX event_by_batch_day ON event(batch_id, day, seq);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    ]

    static var latestVersion: Int { migrations.count }

    static func migrate(_ db: Database) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        guard version < latestVersion else { return }
        for index in version..<latestVersion {
            try db.execute(sql: migrations[index])
        }
        try db.execute(sql: "PRAGMA user_version = \(latestVersion)")
    }
}
