import Foundation
import TelemetryCore
import TelemetryRules
import TelemetryStore

/// One flusher at a time: an exclusive `flock` on `flush.lock` in the telemetry home. The
/// kernel releases it when the holder ends, even by `kill -9` or its own hard deadline, so a
/// flusher that died never blocks the next one.
package final class FlushLock {
    private let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    /// The lock, or nil at once when another flusher holds it.
    package static func acquire(home: TelemetryHome) throws -> FlushLock? {
        try home.ensureExists()
        let fd: Int32
        switch SafeFile.openRegular(home.flushLockPath, flags: O_CREAT | O_RDWR) {
        case .success(let opened): fd = opened
        case .failure(let problem): throw TelemetryError.io("cannot take the flush lock: \(problem)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return FlushLock(fd: fd)
    }

    /// The lock, waiting for another flusher to let go of it until `deadline`; nil if it still
    /// holds it then.
    package static func acquire(home: TelemetryHome, waitingUntil deadline: Date) async throws -> FlushLock? {
        while true {
            if let lock = try acquire(home: home) { return lock }
            if Date() >= deadline { return nil }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
