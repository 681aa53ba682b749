import Crypto
import TelemetryRules
import Foundation

/// The app-specific derivation of the machine ID that is sent as `anonymous_id`:
/// HMAC-SHA256 keyed with a constant of this product, hex-encoded (the way systemd's
/// `sd_id128_get_machine_app_specific` keeps machine IDs confidential).
package enum AnonymousID {
    /// The product constant. Changing it changes every machine's anonymous ID.
    static let productKey: [UInt8] = Array("cfdev-telemetry/anonymous-id/v1:8d3f1c7e52a94b0e".utf8)

    package static func derive(from machineID: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(machineID.utf8), using: SymmetricKey(data: productKey)))
    }
}

/// Salted hashes of names (apps, services, routes, orgs, spaces, users), so that distinct
/// names can be counted without any name leaving the machine. The salt is random, per
/// install, stored locally and never sent.
package struct NameHasher: Sendable {
    let salt: [UInt8]

    package init(salt: [UInt8]) {
        self.salt = salt
    }

    package func hash(_ name: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(name.utf8), using: SymmetricKey(data: salt)))
    }

    /// 32 random bytes for a new install's salt.
    package static func newSalt() -> [UInt8] {
        RandomBytes.make(32)
    }
}

/// Lower-case hex encoding of bytes.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = value(ofDigit: chars[index]), let low = value(ofDigit: chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// The value of one hex digit (either case), or nil for any other byte.
    package static func value(ofDigit c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
