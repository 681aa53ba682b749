import Foundation
import Platform

/// The coarse operating system name and version sent as `os`: `linux 6.1`, `darwin 14.5`.
package enum OSInfo {
    package static func current() -> String {
        #if os(macOS)
        let v = ProcessInfo.processInfo.operatingSystemVersion
        return "darwin \(v.majorVersion).\(v.minorVersion)"
        #else
        var info = utsname()
        guard uname(&info) == 0 else { return "unknown" }
        let sysname = withUnsafeBytes(of: &info.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let release = withUnsafeBytes(of: &info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return coarse(sysname: sysname, release: release)
        #endif
    }

    /// `Linux`, `6.1.0-18-amd64` → `linux 6.1`: only the major and minor numbers.
    static func coarse(sysname: String, release: String) -> String {
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2)
        return sysname.lowercased() + (numbers.isEmpty ? "" : " " + numbers.joined(separator: "."))
    }
}
