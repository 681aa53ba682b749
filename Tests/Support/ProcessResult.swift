/// What a finished child process left: its status and output.
package struct ProcessResult: Sendable {
    /// Exit code, or 128 + signal when it died of one.
    package var status: Int32
    /// The signal that ended it, if any.
    package var signal: Int32?
    package var stdout: String
    package var stderr: String
}
