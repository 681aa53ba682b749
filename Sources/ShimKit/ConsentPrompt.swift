import Foundation
import TelemetryRules

/// The one question the shim ever asks, on the first interactive `cf dev start`.
/// It goes to stderr and reads one line from stdin, byte by byte, so that nothing typed
/// after the answer is taken from the command. Empty line or end of input means No.
package enum ConsentPrompt {
    package static let text = """
        CF Dev would like to collect anonymous usage statistics, to learn which features
        are used and make them better. If you agree, it records which CF Dev commands you
        run (from a fixed list: cf dev start, stop, push, create-service, ...), how long
        cf dev start takes, exit statuses, your OS name and version, the CF Dev build, and
        an ID derived from this machine that cannot be traced back to it. It never records
        names of apps, services, orgs, spaces or users (only salted hashes), argument
        values, passwords or output. See what is pending with `cfdev-telemetry show`.
        Change your mind any time: `cf dev telemetry --on` or `cf dev telemetry --off`.
        Send anonymous usage statistics to the CF Dev team? [y/N]:\u{20}
        """

    /// Asks and returns the answer: true only for `y` or `yes`.
    package static func ask() -> Bool {
        SafeFile.writeAll(2, Array(text.utf8))
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(0, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 || byte == 0x0a || byte == 0x0d { break }
            if line.count < 64 { line.append(byte) }
        }
        let answer = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
        let yes = answer == "y" || answer == "yes"
        SafeFile.writeAll(2, Array((yes ? "Thank you: anonymous usage statistics are on.\n" : "Anonymous usage statistics stay off.\n").utf8))
        return yes
    }
}
