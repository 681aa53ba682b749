import Platform
import TelemetryRules

/// How the shim recognises itself on `PATH` or in `CFDEV_TELEMETRY_REAL_CF`, so that it
/// never runs itself: its own file under any name (links, hard links), any byte-for-byte
/// copy of it, and any shim that already handed this command line on (a different version
/// installed twice), whose file IDs travel in `CFDEV_TELEMETRY_SHIMS_SEEN`.
package struct ShimIdentity: Sendable {
    /// The file IDs (`device:inode`) of the shims a command line has passed through.
    package static let seenVariable = "CFDEV_TELEMETRY_SHIMS_SEEN"
    /// More entries than this in the variable are ignored (it is set by shims, a few at most).
    static let maxSeen = 32

    /// A file's identity on this machine.
    struct FileID: Equatable, Sendable {
        let device: UInt64
        let inode: UInt64

        var text: String { "\(device):\(inode)" }

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }

        init?(text: Substring) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
            self.device = device
            self.inode = inode
        }
    }

    /// The shim's own executable, resolved, if it could be found.
    package let path: String?
    let me: FileID?
    let size: Int
    let seen: [FileID]

    /// This process's identity, and the shims named by the environment.
    package static func current() -> ShimIdentity {
        let path = OwnExecutable.path()
        var info = stat()
        let found = path.map { stat($0, &info) == 0 } ?? false
        let seen =
            processEnvironment(seenVariable).map {
                $0.prefix(4096).split(separator: ",").prefix(maxSeen).compactMap(FileID.init(text:))
            } ?? []
        return ShimIdentity(path: path, me: found ? FileID(info) : nil, size: found ? Int(info.st_size) : -1, seen: seen)
    }

    /// A shim already handled this command line: the real `cf` (or something it ran) called
    /// `cf` again, two shims hand it back and forth, or another build of the shim earlier on
    /// `PATH` took this one for the real `cf` (and recorded the command already). Pass it
    /// through unrecorded, so that a command is recorded once however many shims it meets.
    package var reentered: Bool {
        !seen.isEmpty
    }

    /// Whether the file at `path` is this shim, a copy of it, or a shim seen before.
    package func isShim(_ path: [UInt8]) -> Bool {
        var info = stat()
        guard withCPath(path, { stat($0, &info) }) == 0 else { return false }
        let id = FileID(info)
        if id == me || seen.contains(id) { return true }
        guard let ownPath = self.path, Int(info.st_size) == size, size > 0 else { return false }
        return withCPath(path) { Self.sameContents($0, ownPath) }
    }

    /// Adds this shim to `CFDEV_TELEMETRY_SHIMS_SEEN` for whatever it starts next.
    package func markSeen() {
        guard let me, !seen.contains(me) else { return }
        let value = seen.isEmpty ? me.text : (seen + [me]).suffix(Self.maxSeen).map(\.text).joined(separator: ",")
        setenv(Self.seenVariable, value, 1)
    }

    /// Compares two files byte for byte (called only for files of the shim's exact size).
    static func sameContents(_ first: UnsafePointer<CChar>, _ second: String) -> Bool {
        let a = open(first, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        let b = open(second, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        defer {
            if a >= 0 { close(a) }
            if b >= 0 { close(b) }
        }
        guard a >= 0, b >= 0 else { return false }
        var left = [UInt8](repeating: 0, count: 64 * 1024)
        var right = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let countA = left.withUnsafeMutableBytes { read(a, $0.baseAddress, $0.count) }
            guard countA >= 0 else { return false }
            var countB = 0
            while countB < countA {
                let got = right[countB..<countA].withUnsafeMutableBytes { read(b, $0.baseAddress, $0.count) }
                if got <= 0 { break }
                countB += got
            }
            guard countA == countB else { return false }
            if countA == 0 { return true }
            guard left[0..<countA] == right[0..<countB] else { return false }
        }
    }
}
