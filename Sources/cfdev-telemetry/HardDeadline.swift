import Dispatch
import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryUpload

/// The last word on how long a flush may run: past `deadline` (plus a grace for the
/// cooperative limits to act first) the process logs one line and ends itself, which also
/// releases the flush lock. Nothing a store does can keep a flush alive past it.
enum HardDeadline {
    static func arm(at deadline: Date, log: TelemetryLog, background: Bool) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        let seconds = max(0, deadline.timeIntervalSinceNow) + FlushRun.hardDeadlineGrace
        timer.schedule(deadline: .now() + seconds)
        timer.setEventHandler {
            log.write("flush: still running \(Int(FlushRun.hardDeadlineGrace)) s past its time limit; ended")
            if !background {
                SafeFile.writeAll(2, Array("Error: flush ended at its time limit; what was not sent stays pending\n".utf8))
            }
            _exit(1)
        }
        timer.resume()
        armed = timer
    }

    /// Keeps the timer alive for the life of the process.
    nonisolated(unsafe) private static var armed: DispatchSourceTimer?
}
