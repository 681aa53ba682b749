import Platform

/// What the shim's front hands the detached recorder about a finished run: when it started
/// and ended, how it ended, and the command line. It travels on the recorder's stdin (a
/// pipe), never in its `argv`, which any local user can read in `/proc/PID/cmdline` for as
/// long as the recorder runs.
///
/// Layout: NUL-terminated fields: the magic `cfdev-record-v1`, start and end (epoch
/// milliseconds), the outcome (`exit:N` / `signal:N`), then each argument of the command
/// line (bytes as typed).
package struct RecordRequest: Sendable, Equatable {
    package static let magic = "cfdev-record-v1"
    /// The most the recorder reads: command lines past this are not recorded.
    package static let maxBytes = 1 << 20

    package var startedMs: Int64
    package var endedMs: Int64
    package var outcome: ChildExit
    package var commandLine: CommandLineBytes

    package init(startedMs: Int64, endedMs: Int64, outcome: ChildExit, commandLine: CommandLineBytes) {
        self.startedMs = startedMs
        self.endedMs = endedMs
        self.outcome = outcome
        self.commandLine = commandLine
    }

    package var bytes: [UInt8] {
        var out: [UInt8] = []
        for field in [Self.magic, String(startedMs), String(endedMs), outcome.encoded] {
            out += Array(field.utf8) + [0]
        }
        for argument in commandLine.arguments { out += argument + [0] }
        return out
    }

    /// Parses `bytes`; nil unless it is exactly this layout with a non-empty command line.
    package init?(bytes: [UInt8]) {
        guard bytes.count <= Self.maxBytes, bytes.last == 0 else { return nil }
        let fields = bytes.dropLast().split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        guard fields.count >= 5, String(decoding: fields[0], as: UTF8.self) == Self.magic,
            let started = Int64(String(decoding: fields[1], as: UTF8.self)),
            let ended = Int64(String(decoding: fields[2], as: UTF8.self)),
            let outcome = ChildExit(encoded: String(decoding: fields[3], as: UTF8.self))
        else { return nil }
        self.init(startedMs: started, endedMs: ended, outcome: outcome, commandLine: CommandLineBytes(Array(fields[4...])))
    }

    /// Reads a request from `fd` (the recorder's stdin), at most `maxBytes`.
    package static func read(from fd: Int32) -> RecordRequest? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= maxBytes {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return RecordRequest(bytes: bytes)
    }
}
