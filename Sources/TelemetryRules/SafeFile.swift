import Platform

/// Files of the telemetry home (and the few others read, such as the CF CLI's config)
/// opened as hostile ground demands: never through a symbolic link at the last component,
/// never blocking on a FIFO or a device, regular files only, reads bounded.
package enum SafeFile {
    /// What a bounded read found.
    package enum ReadResult: Equatable, Sendable {
        case contents([UInt8])
        case missing
        /// More than the limit.
        case tooLarge
        /// Present but not readable as a regular file: why, in a few words.
        case refused(String)
    }

    /// Reads the whole of a regular file of at most `limit` bytes. `followingLinks`: for
    /// files outside the telemetry home that are often links (`/etc/machine-id`, a dotfile
    /// manager's config); FIFOs, devices and folders are refused all the same.
    package static func read(_ path: String, limit: Int, followingLinks: Bool = false) -> ReadResult {
        let fd: Int32
        switch openRegular(path, flags: O_RDONLY, followingLinks: followingLinks) {
        case .success(let opened): fd = opened
        case .failure(let problem): return problem.code == ENOENT ? .missing : .refused(problem.reason)
        }
        defer { close(fd) }
        return read(descriptor: fd, limit: limit)
    }

    /// Reads what is left of an open file, at most `limit` bytes (more is refused).
    package static func read(descriptor fd: Int32, limit: Int) -> ReadResult {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit + 1, 64 * 1024))
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .refused(describe(errno)) }
            if count == 0 { return .contents(bytes) }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return .tooLarge
    }

    /// Opens `path` with `flags` plus no-follow, non-blocking and close-on-exec, and checks
    /// that it is a regular file; the descriptor is then put back in blocking mode.
    /// With `O_CREAT` in `flags`, a new file gets `mode`.
    package static func openRegular(
        _ path: String, flags: Int32, mode: UInt32 = 0o600,
        followingLinks: Bool = false
    ) -> Result<Int32, FileProblem> {
        let fd = open(path, flags | (followingLinks ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else {
            let code = errno
            return .failure(FileProblem(path: path, code: code, reason: code == ELOOP ? "is a symbolic link" : describe(code)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return .failure(FileProblem(path: path, code: EINVAL, reason: "is not a regular file"))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .success(fd)
    }

    /// Creates a new private (0600) file that did not exist, failing if anything (a link
    /// included) is already at `path`.
    package static func createExclusive(_ path: String) -> Result<Int32, FileProblem> {
        openRegular(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
    }

    /// Writes all of `bytes` (retrying short writes and EINTR); false if a write failed.
    @discardableResult
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// What `errno` says, as `strerror` puts it.
    package static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Why a file of the telemetry home could not be used: its path and a few words.
package struct FileProblem: Error, Equatable, Sendable, CustomStringConvertible {
    package let path: String
    package let code: Int32
    package let reason: String

    package init(path: String, code: Int32, reason: String) {
        self.path = path
        self.code = code
        self.reason = reason
    }

    package var description: String { "\(path) \(reason)" }
}
