#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `cf` shim's entry point, kept free of Foundation, SQLite and crypto so that the
/// commands it does not record cost almost nothing: find the real `cf`, look at the
/// command line, and `exec` the real `cf` unless the command may be recorded. Candidates
/// are handed (by `exec`, same process) to `cfdev-telemetry __shim`, which records them.
public enum ShimFront {
    /// The hidden `cfdev-telemetry` subcommand the front hands candidates to:
    /// `cfdev-telemetry __shim REAL_CF ARGV0 ARGS…`.
    public static let handoffCommand = "__shim"

    public static func main() -> Never {
        let arguments = CommandLine.arguments
        let verdict = CandidateFilter.verdict(arguments.dropFirst())
        let selfPath = RealCFLocator.ownExecutable()
        let realCF = RealCFLocator.locate(environment: { getenv($0).map { String(cString: $0) } }, selfPath: selfPath)
        if verdict == .telemetryCommand || (realCF != nil && shouldRecord(verdict)) {
            let recorder = handOff(realCF: realCF ?? "", arguments: arguments, selfPath: selfPath)
            if verdict == .telemetryCommand {
                ProcessExec.writeError("cf dev telemetry: cannot run \(recorder), which handles this command (install cf and cfdev-telemetry side by side)")
                exit(1)
            }
        }
        guard let realCF else {
            ProcessExec.writeError("cf: the real cf CLI was not found on PATH (this `cf` is the cfdev-telemetry shim; install the CF CLI or set CFDEV_TELEMETRY_REAL_CF)")
            exit(127)
        }
        runRealCF(realCF, arguments)
    }

    /// Whether a candidate may be recorded, as far as libc can tell: the environment allows
    /// it, a person is at a terminal, and consent is on (or unknown for `cf dev start`,
    /// which asks).
    static func shouldRecord(_ verdict: CandidateFilter.Verdict) -> Bool {
        guard case .candidate(let isDevStart) = verdict,
              !FrontGate.disabledByEnvironment(), FrontGate.isInteractive()
        else { return false }
        switch FrontGate.savedConsent() {
        case .on: return true
        case .off: return false
        case .unknown: return isDevStart
        }
    }

    /// Replaces this process with `cfdev-telemetry __shim` (found beside the shim's
    /// resolved path). Returns only if that was impossible, with the path it tried.
    static func handOff(realCF: String, arguments: [String], selfPath: String?) -> String {
        let directory = selfPath.map { path -> String in
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return String(path[..<slash])
        } ?? "."
        let recorder = directory + "/cfdev-telemetry"
        _ = ProcessExec.exec(path: recorder, arguments: [recorder, handoffCommand, realCF] + arguments)
        return recorder
    }

    static func runRealCF(_ realCF: String, _ arguments: [String]) -> Never {
        let code = ProcessExec.exec(path: realCF, arguments: arguments)
        ProcessExec.writeError("cf: cannot run \(realCF): \(String(cString: strerror(code)))")
        exit(126)
    }
}
