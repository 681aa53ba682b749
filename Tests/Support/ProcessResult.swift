/// What a finished child process left: its status and output.
public struct ProcessResult: Sendable {
    /// Exit code, or 128 + signal when it died of one.
    public var status: Int32
    /// The signal that ended it, if any.
    public var signal: Int32?
    public var stdout: String
    public var stderr: String
}
