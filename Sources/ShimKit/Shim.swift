import Foundation
import TelemetryCore

/// The `cf` shim's whole flow: classify the command line, and either run the real `cf`
/// untouched (`exec`, no database work), or run it as a child and record its events
/// afterwards. No telemetry failure ever reaches the terminal or the exit status.
public enum Shim {
    public static func main() -> Never {
        let arguments = CommandLine.arguments
        let action = CommandClassifier.classify(Array(arguments.dropFirst()))
        if case .telemetry(let subcommand) = action {
            exit(TelemetryCommand.run(subcommand, environment: ProcessInfo.processInfo.environment))
        }
        let selfPath = RealCFLocator.ownExecutable()
        guard let realCF = RealCFLocator.locate(environment: { getenv($0).map { String(cString: $0) } }, selfPath: selfPath)
        else {
            ConsentPrompt.writeAll(2, "cf: the real cf CLI was not found on PATH (this `cf` is the cfdev-telemetry shim; install the CF CLI or set CFDEV_TELEMETRY_REAL_CF)\n")
            exit(127)
        }
        guard case .tracked(let command) = action,
              let session = TrackedSession.begin(command, environment: ProcessInfo.processInfo.environment, shimPath: selfPath)
        else {
            let code = ChildProcess.exec(path: realCF, arguments: arguments)
            ConsentPrompt.writeAll(2, "cf: cannot run \(realCF): \(String(cString: strerror(code)))\n")
            exit(126)
        }
        let child: ChildExit
        do {
            child = try ChildProcess.run(path: realCF, arguments: arguments)
        } catch {
            ConsentPrompt.writeAll(2, "cf: \(error)\n")
            exit(126)
        }
        session.finish(child)
        ChildProcess.exitLike(child)
    }
}
