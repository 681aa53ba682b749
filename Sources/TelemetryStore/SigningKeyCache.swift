import NIOConcurrencyHelpers

/// The last SigV4 signing key a client derived, by credential scope (day, region, service) and
/// secret: a report signs thousands of requests a day under one scope, and deriving the key is
/// four HMACs each time. A new day, region or secret (refreshed credentials) derives it again.
package final class SigningKeyCache: Sendable {
    private struct Entry {
        var scope: String
        var secret: String
        var key: [UInt8]
    }

    private let last = NIOLockedValueBox<Entry?>(nil)

    package init() {}

    /// The key of `scope` and `secret`: the one kept when it is theirs, else `derive()`'s, kept.
    func key(scope: String, secret: String, derive: () -> [UInt8]) -> [UInt8] {
        if let entry = last.withLockedValue({ $0 }), entry.scope == scope, entry.secret == secret { return entry.key }
        let key = derive()
        last.withLockedValue { $0 = Entry(scope: scope, secret: secret, key: key) }
        return key
    }
}
