// The one place that names the C library: every module of the project that needs libc
// gets it through `import TelemetryRules`.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif
