/// The cache's blobs (`PartialCoding`, `SummaryCoding`) are little-endian values: written by
/// `BinaryWriter`, read back by `BinaryReader`.
/// Little-endian values appended to a byte array.
struct BinaryWriter {
    var bytes: [UInt8] = []
    mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    /// A string: its UTF-8 length, then its bytes.
    mutating func text(_ value: String) {
        let utf8 = Array(value.utf8)
        u32(UInt32(utf8.count))
        append(utf8)
    }
    /// Hands the bytes written so far to `emit` and starts over, once there are `limit` or more.
    mutating func spill(over limit: Int, to emit: ([UInt8]) throws -> Void) rethrows {
        guard bytes.count >= limit else { return }
        try emit(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Reads little-endian values from bytes, every length checked.
struct BinaryReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
    mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func u32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    mutating func u64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    /// A non-negative figure of a summary (far below `Int.max`, so sums cannot overflow), else nil.
    mutating func count() -> Int? {
        guard let value = u64(), value <= UInt64(Int64.max >> 8) else { return nil }
        return Int(value)
    }
    mutating func text() -> String? {
        guard let length = u32(), let raw = take(Int(length)) else { return nil }
        return String(validating: raw, as: UTF8.self)
    }
}
