/// The one place the tool's version lives. It is the `build` of every envelope and what
/// `cfdev-telemetry --version` prints.
package enum BuildInfo {
    package static let version = "0.1.0"
}
