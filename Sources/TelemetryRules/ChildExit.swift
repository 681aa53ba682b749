import Platform

/// How a child process ended.
package enum ChildExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    package init(waitStatus status: Int32) {
        let low = status & 0x7f
        self = low == 0 ? .exited((status >> 8) & 0xff) : .signaled(low)
    }

    /// `exit:N` or `signal:N`, as handed to the background recorder.
    package var encoded: String {
        switch self {
        case .exited(let code): return "exit:\(code)"
        case .signaled(let signal): return "signal:\(signal)"
        }
    }

    /// The inverse of `encoded`; nil for anything else (exit codes 0...255, signals 1...127).
    package init?(encoded: String) {
        let parts = encoded.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let value = Int32(parts[1]) else { return nil }
        switch parts[0] {
        case "exit" where (0...255).contains(value): self = .exited(value)
        case "signal" where (1...127).contains(value): self = .signaled(value)
        default: return nil
        }
    }

    /// The status a shell would report: the exit code, or 128 + the signal.
    package var shellStatus: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}
