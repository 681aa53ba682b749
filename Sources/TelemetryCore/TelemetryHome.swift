import Foundation

/// Where the telemetry files live: `$CFDEV_HOME/telemetry`, `CFDEV_HOME` defaulting to
/// `~/.cfdev`. The folder is 0700 and every file in it 0600.
public struct TelemetryHome: Sendable, Equatable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public init(environment: [String: String]) {
        let cfdevHome: String
        if let value = environment["CFDEV_HOME"], !value.isEmpty {
            cfdevHome = value
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            cfdevHome = home + "/.cfdev"
        }
        directory = cfdevHome + "/telemetry"
    }

    public var spoolPath: String { directory + "/spool.sqlite" }
    public var consentPath: String { directory + "/consent.json" }
    public var configPath: String { directory + "/config.json" }
    public var logPath: String { directory + "/telemetry.log" }
    public var flushLockPath: String { directory + "/flush.lock" }

    /// Creates the folder (and its parents) if needed and makes it private (0700).
    public func ensureExists() throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if !fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if chmod(directory, 0o700) != 0 {
            throw TelemetryError.io("cannot make \(directory) private (errno \(errno))")
        }
    }

    /// Creates `path` empty with mode 0600 if it does not exist, and forces 0600 if it does.
    public static func ensurePrivateFile(_ path: String) throws {
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TelemetryError.io("cannot create \(path) (errno \(errno))") }
        defer { close(fd) }
        if fchmod(fd, 0o600) != 0 { throw TelemetryError.io("cannot make \(path) private (errno \(errno))") }
    }
}

/// Errors of the telemetry machinery. Each description is one line.
public enum TelemetryError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case configuration(String)
    case spool(String)

    public var description: String {
        switch self {
        case .io(let message), .configuration(let message), .spool(let message): return message
        }
    }
}
