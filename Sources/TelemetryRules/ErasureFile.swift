/// Where this machine's erasure request (`forget`) is kept in the telemetry folder, and the one
/// question the shim's lean front asks of it: is it still waiting for the store?
package enum ErasureFile {
    package static let name = "erasure.json"

    /// Whether the record in `directory` is there and has not landed (no `landed_at` yet): a
    /// bounded read of a regular file, never through a link; anything unreadable is "no".
    package static func isPending(directory: String) -> Bool {
        guard case .contents(let bytes) = SafeFile.read(directory + "/" + name, limit: 4096), !bytes.isEmpty else { return false }
        let needle = Array("\"landed_at\"".utf8)
        guard bytes.count >= needle.count else { return true }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if Array(bytes[start..<(start + needle.count)]) == needle { return false }
        }
        return true
    }
}
