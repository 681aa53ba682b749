import Foundation

/// A folder under the temporary directory that is deleted, with everything in it, when the
/// last reference to it goes (a test suite's instance, say): tests leave nothing behind.
package final class TemporaryFolder: @unchecked Sendable {
    package let path: String

    package init(_ prefix: String) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent(prefix + "-" + UUID().uuidString.prefix(8).lowercased()).path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
