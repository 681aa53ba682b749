// The one place that names the C library. A file that calls libc imports `Platform`
// (Foundation, where a file imports it, brings the same library); nothing re-exports it
// further.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// libc's `read(2)`, under a name that no type's own `read` method can shadow.
@inline(__always) package func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// libc's `write(2)`, under a name that no type's own `write` method can shadow.
@inline(__always) package func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// libc's `kill(2)`, under a name that no type's own `kill` method can shadow.
@inline(__always) package func systemKill(_ pid: pid_t, _ signal: Int32) -> Int32 {
    kill(pid, signal)
}

// posix_spawn's opaque state is a struct on glibc and a pointer on Darwin: these give both the
// one spelling `var actions = SpawnFileActions.empty()` (and `SpawnAttributes.empty()`), then `&actions` as the C calls expect.
#if canImport(Darwin)
/// `posix_spawn_file_actions_t` as the spawn calls take it on this platform.
package typealias SpawnFileActions = posix_spawn_file_actions_t?
/// `posix_spawnattr_t` as the spawn calls take it on this platform.
package typealias SpawnAttributes = posix_spawnattr_t?

// Both are `UnsafeMutableRawPointer` there, so this one extension serves both.
extension Optional where Wrapped == posix_spawn_file_actions_t {
    /// Storage for `posix_spawn_file_actions_init` or `posix_spawnattr_init` to fill.
    @inline(__always) package static func empty() -> Self { nil }
}

/// A TCP socket that a spawned child does not inherit (Darwin has no `SOCK_CLOEXEC`).
package func closeOnExecStreamSocket() -> Int32 {
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return fd
}
#else
/// `posix_spawn_file_actions_t` as the spawn calls take it on this platform.
package typealias SpawnFileActions = posix_spawn_file_actions_t
/// `posix_spawnattr_t` as the spawn calls take it on this platform.
package typealias SpawnAttributes = posix_spawnattr_t

extension posix_spawn_file_actions_t {
    /// Storage for `posix_spawn_file_actions_init` to fill.
    @inline(__always) package static func empty() -> Self { Self() }
}

extension posix_spawnattr_t {
    /// Storage for `posix_spawnattr_init` to fill.
    @inline(__always) package static func empty() -> Self { Self() }
}

/// A TCP socket that a spawned child does not inherit (atomically: `SOCK_CLOEXEC`).
package func closeOnExecStreamSocket() -> Int32 {
    socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
}
#endif

/// The process's environment as `posix_spawn` takes it: `environ` (Darwin reaches it through
/// `_NSGetEnviron()`, since a shared library cannot name it there).
@inline(__always) package func environmentBlock() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    #if canImport(Darwin)
    _NSGetEnviron().pointee
    #else
    environ
    #endif
}

/// The descriptors this process has open above stderr that a spawned process would inherit
/// (not close-on-exec), read from `/proc/self/fd`; empty where that cannot be read (Darwin's
/// spawns use `POSIX_SPAWN_CLOEXEC_DEFAULT` instead: `spawnCloseOthersFlag`). A detached
/// process is spawned with these closed, so that it never keeps open what the user's shell
/// handed `cf` (a pipe on fd 3 whose reader waits for its end, as Bats does), while `cf` itself,
/// exec'd afterwards, still gets them.
package func inheritableDescriptorsAboveStandard() -> [Int32] {
    #if canImport(Darwin)
    return []
    #else
    guard let directory = opendir("/proc/self/fd") else { return [] }
    defer { closedir(directory) }
    let own = dirfd(directory)
    var found: [Int32] = []
    while let entry = readdir(directory) {
        // Each entry's name is a descriptor's number ("." and ".." are not numbers).
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        guard let fd = Int32(name), fd > 2, fd != own else { continue }
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 && flags & FD_CLOEXEC == 0 { found.append(fd) }
    }
    return found
    #endif
}

/// The `posix_spawnattr_setflags` flag that gives a spawned process only the descriptors its
/// file actions name (Darwin's `POSIX_SPAWN_CLOEXEC_DEFAULT`); 0 where there is none (Linux:
/// see `inheritableDescriptorsAboveStandard`).
#if canImport(Darwin)
package let spawnCloseOthersFlag = Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
#else
package let spawnCloseOthersFlag: Int32 = 0
#endif
