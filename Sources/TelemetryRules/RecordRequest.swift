import Platform

/// What the shim's front hands the detached recorder about a finished run: when it started
/// and ended, how it ended, and the command line. It travels on the recorder's stdin (a
/// pipe), never in its `argv`, which any local user can read in `/proc/PID/cmdline` for as
/// long as the recorder runs.
///
/// Layout: NUL-terminated fields: the magic (`cfdev-record-v1` for the whole run,
/// `cfdev-record-outcome-v1` for its outcome only), start and end (epoch milliseconds), the
/// outcome (`exit:N` / `signal:N`), then each argument of the command line (bytes as typed).
package struct RecordRequest: Sendable, Equatable {
    package static let magic = "cfdev-record-v1"
    package static let outcomeOnlyMagic = "cfdev-record-outcome-v1"
    /// The most the recorder reads: command lines past this are not recorded.
    package static let maxBytes = 1 << 20

    package var startedMs: Int64
    package var endedMs: Int64
    package var outcome: ChildExit
    package var commandLine: CommandLineBytes
    /// The command's own event is already in the spool: record only the outcome (`start_end`
    /// or `error`) and what follows it. False: the whole run.
    package var outcomeOnly: Bool

    package init(startedMs: Int64, endedMs: Int64, outcome: ChildExit, commandLine: CommandLineBytes, outcomeOnly: Bool = false) {
        self.startedMs = startedMs
        self.endedMs = endedMs
        self.outcome = outcome
        self.commandLine = commandLine
        self.outcomeOnly = outcomeOnly
    }

    package var bytes: [UInt8] {
        var out: [UInt8] = []
        for field in [outcomeOnly ? Self.outcomeOnlyMagic : Self.magic, String(startedMs), String(endedMs), outcome.encoded] {
            out += Array(field.utf8) + [0]
        }
        for argument in commandLine.arguments { out += argument + [0] }
        return out
    }

    /// Parses `bytes`; nil unless it is exactly this layout with a non-empty command line.
    package init?(bytes: [UInt8]) {
        guard bytes.count <= Self.maxBytes, bytes.last == 0 else { return nil }
        let fields = bytes.dropLast().split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        let magic = String(decoding: fields[0], as: UTF8.self)
        guard fields.count >= 5, magic == Self.magic || magic == Self.outcomeOnlyMagic,
            let started = Int64(String(decoding: fields[1], as: UTF8.self)),
            let ended = Int64(String(decoding: fields[2], as: UTF8.self)),
            let outcome = ChildExit(encoded: String(decoding: fields[3], as: UTF8.self))
        else { return nil }
        self.init(
            startedMs: started, endedMs: ended, outcome: outcome, commandLine: CommandLineBytes(Array(fields[4...])),
            outcomeOnly: magic == Self.outcomeOnlyMagic)
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
