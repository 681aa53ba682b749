import Foundation
import Platform
import TelemetryRules

/// A one-line progress display on stderr: shown only when stderr is a terminal and only once
/// the work has taken more than `delay` seconds; redrawn at most ten times a second and
/// erased by `finish()`.
final class TerminalProgress {
    private let enabled: Bool
    private let started = Date()
    private let delay: TimeInterval
    private var lastDraw = Date.distantPast
    private var shown = false

    init(delay: TimeInterval = 1, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.delay = delay
        self.enabled = enabled
    }

    /// Seconds since this display was created.
    var elapsed: TimeInterval { Date().timeIntervalSince(started) }

    /// Whether anything was drawn (and so a closing summary belongs on the terminal too).
    var wasShown: Bool { shown }

    func update(_ line: @autoclosure () -> String) {
        guard enabled, elapsed >= delay, Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = Date()
        shown = true
        write("\r\u{1B}[2K" + line())
    }

    func finish() {
        if shown { write("\r\u{1B}[2K") }
    }

    private func write(_ text: String) {
        SafeFile.writeAll(2, Array(text.utf8))
    }
}
