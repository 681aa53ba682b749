import Platform

/// The wall clock, read one way everywhere: milliseconds since the Unix epoch.
package enum WallClock {
    package static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
