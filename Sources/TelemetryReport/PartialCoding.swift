import Foundation

/// The byte form of an `ObjectPartial` in the report's cache: little-endian counts, labels as
/// length-prefixed UTF-8, fixed-size entries. The cache file is local but still input: decoding
/// checks every length and index and gives nil for anything that is not exactly a partial, and
/// the object is then read from the store again.
enum PartialCoding {
    /// 2: the erased events' hashes, after the labels.
    static let magic: [UInt8] = Array("CFP2".utf8)
    static let entrySize = 8 + 8 + 4 + 4 + 4 + 1

    static func encode(_ partial: ObjectPartial) -> Data {
        var out = BinaryWriter()
        out.bytes.reserveCapacity(64 + LineRejection.allCases.count * 8 + partial.labels.count * 24 + partial.entries.count * entrySize)
        out.append(magic)
        out.u64(UInt64(partial.storedBytes))
        out.u64(UInt64(partial.lines))
        out.u64(UInt64(partial.duplicates))
        out.u8(partial.rejection.map { UInt8(ObjectRejection.allCases.firstIndex(of: $0)! + 1) } ?? 0)
        out.u8(partial.hasTrailingJunk ? 1 : 0)
        out.u32(UInt32(LineRejection.allCases.count))
        for reason in LineRejection.allCases { out.u64(UInt64(partial.rejectedLines[reason] ?? 0)) }
        out.u32(UInt32(partial.labels.count))
        for label in partial.labels {
            let utf8 = Array(label.utf8)
            out.u32(UInt32(utf8.count))
            out.append(utf8)
        }
        out.u32(UInt32(partial.erased.count))
        for hash in partial.erased { out.u64(hash) }
        out.u32(UInt32(partial.entries.count))
        for entry in partial.entries {
            out.u64(entry.eventHash)
            out.u64(entry.machine)
            out.u32(entry.event)
            out.u32(entry.os)
            out.u32(entry.build)
            out.u8(entry.misplaced ? 1 : 0)
        }
        return Data(out.bytes)
    }

    static func decode(_ data: Data) -> ObjectPartial? {
        data.withUnsafeBytes { decode(bytes: $0) }
    }

    private static func decode(bytes: UnsafeRawBufferPointer) -> ObjectPartial? {
        var input = BinaryReader(bytes: bytes)
        guard input.take(magic.count).map({ $0.elementsEqual(magic) }) == true,
            let stored = input.u64(), let lines = input.u64(), let duplicates = input.u64(),
            let rejection = input.u8(), let junk = input.u8(), junk <= 1,
            input.u32() == UInt32(LineRejection.allCases.count)
        else { return nil }
        var partial = ObjectPartial()
        partial.storedBytes = Int(clamping: stored)
        partial.lines = Int(clamping: lines)
        partial.duplicates = Int(clamping: duplicates)
        partial.hasTrailingJunk = junk == 1
        if rejection > 0 {
            guard Int(rejection) <= ObjectRejection.allCases.count else { return nil }
            partial.rejection = ObjectRejection.allCases[Int(rejection) - 1]
        }
        for reason in LineRejection.allCases {
            guard let count = input.u64() else { return nil }
            if count > 0 { partial.rejectedLines[reason] = Int(clamping: count) }
        }
        guard let labelCount = input.u32(), Int(labelCount) <= input.remaining / 4 else { return nil }
        for _ in 0..<labelCount {
            guard let length = input.u32(), let bytes = input.take(Int(length)), let label = String(validating: bytes, as: UTF8.self)
            else { return nil }
            partial.labels.append(label)
        }
        guard let erasedCount = input.u32(), Int(erasedCount) <= input.remaining / 8 else { return nil }
        partial.erased.reserveCapacity(Int(erasedCount))
        for _ in 0..<erasedCount {
            guard let hash = input.u64() else { return nil }
            partial.erased.append(hash)
        }
        guard let entryCount = input.u32(), Int(entryCount) * entrySize == input.remaining else { return nil }
        let labels = UInt32(partial.labels.count)
        partial.entries.reserveCapacity(Int(entryCount))
        for _ in 0..<entryCount {
            let (entry, misplacedByte) = input.partialEntry()
            guard entry.event < labels, entry.os < labels, entry.build < labels, misplacedByte <= 1 else { return nil }
            partial.entries.append(entry)
        }
        return partial
    }
}

extension BinaryReader {
    /// One partial's entry, and its misplaced byte (valid when 0 or 1); the caller has checked
    /// that `PartialCoding.entrySize` bytes remain.
    mutating func partialEntry() -> (entry: ObjectPartial.Entry, misplacedByte: UInt8) {
        let at = offset
        offset += PartialCoding.entrySize
        let misplaced = bytes[at + 28]
        let entry = ObjectPartial.Entry(
            eventHash: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)),
            machine: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)),
            event: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 16, as: UInt32.self)),
            os: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 20, as: UInt32.self)),
            build: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 24, as: UInt32.self)),
            misplaced: misplaced == 1)
        return (entry, misplaced)
    }
}
