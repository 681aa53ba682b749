import Platform

/// Random bytes from the system's secure generator: salts, fallback machine IDs, batch and
/// temporary-file names all take them from here.
package enum RandomBytes {
    package static func make(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
