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
