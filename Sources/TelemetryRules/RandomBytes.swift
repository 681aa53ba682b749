/// Random bytes from the system's secure generator: salts, fallback machine IDs, batch and
/// temporary-file names all take them from here.
public enum RandomBytes {
    public static func make(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// `count` random bytes as lower-case hex (`2 * count` digits).
    public static func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: make(count).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] }, as: UTF8.self)
    }
}
