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
