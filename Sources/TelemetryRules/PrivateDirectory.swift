import Platform

/// The telemetry folder, held to the rule ssh applies to `~/.ssh`: a real directory (not
/// a symbolic link), owned by the user running, writable by nobody else. Created 0700 when
/// missing; an existing folder is never changed (no chmod of what was not just created).
package enum PrivateDirectory {
    /// Creates `path` (and missing parents, 0700) or checks the one that is there.
    package static func ensure(_ path: String) throws(FileProblem) {
        if let problem = check(path) {
            guard problem.code == ENOENT else { throw problem }
            try create(path)
            if let problem = check(path) { throw problem }
        }
    }

    /// Why `path` may not be used as the telemetry folder, or nil when it may.
    package static func check(_ path: String) -> FileProblem? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            return FileProblem(path: path, code: code, reason: code == ENOENT ? "does not exist" : SafeFile.describe(code))
        }
        return problem(path: path, info)
    }

    /// The same check on a folder already opened (`O_DIRECTORY | O_NOFOLLOW`), so that what is
    /// then worked on through `descriptor` is what was checked, even if `path` changed since.
    package static func check(descriptor: Int32, path: String) -> FileProblem? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            return FileProblem(path: path, code: code, reason: SafeFile.describe(code))
        }
        return problem(path: path, info)
    }

    private static func problem(path: String, _ info: stat) -> FileProblem? {
        switch info.st_mode & S_IFMT {
        case S_IFDIR: break
        case S_IFLNK: return FileProblem(path: path, code: ELOOP, reason: "is a symbolic link (refused: the telemetry folder must be a real folder)")
        default: return FileProblem(path: path, code: ENOTDIR, reason: "is not a folder")
        }
        guard info.st_uid == geteuid() else {
            return FileProblem(path: path, code: EPERM, reason: "is owned by uid \(info.st_uid), not by the user running (uid \(geteuid())): refused")
        }
        guard info.st_mode & 0o022 == 0 else {
            return FileProblem(path: path, code: EPERM, reason: "is writable by other users (mode \(String(info.st_mode & 0o777, radix: 8))): refused")
        }
        return nil
    }

    private static func create(_ path: String) throws(FileProblem) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                let code = errno
                throw FileProblem(path: prefix, code: code, reason: "cannot be created: " + SafeFile.describe(code))
            }
        }
    }
}
