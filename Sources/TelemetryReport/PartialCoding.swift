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
        var out = Writer()
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
        var input = Reader(bytes: [UInt8](data))
        guard input.take(magic.count) == magic,
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
        partial.entries.reserveCapacity(Int(entryCount))
        for _ in 0..<entryCount {
            guard let hash = input.u64(), let machine = input.u64(), let event = input.u32(), let os = input.u32(),
                let build = input.u32(), let misplaced = input.u8(), misplaced <= 1,
                Int(event) < partial.labels.count, Int(os) < partial.labels.count, Int(build) < partial.labels.count
            else { return nil }
            partial.entries.append(
                ObjectPartial.Entry(
                    eventHash: hash, machine: machine, event: event, os: os, build: build, misplaced: misplaced == 1))
        }
        return partial
    }

    private struct Writer {
        var bytes: [UInt8] = []
        mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }
        mutating func u8(_ value: UInt8) { bytes.append(value) }
        mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
        mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var remaining: Int { bytes.count - offset }

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, count <= remaining else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
        mutating func u8() -> UInt8? {
            guard remaining >= 1 else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func u32() -> UInt32? { little(4).map { UInt32(truncatingIfNeeded: $0) } }
        mutating func u64() -> UInt64? { little(8) }

        private mutating func little(_ width: Int) -> UInt64? {
            guard remaining >= width else { return nil }
            var value: UInt64 = 0
            for index in stride(from: offset + width - 1, through: offset, by: -1) { value = value << 8 | UInt64(bytes[index]) }
            offset += width
            return value
        }
    }
}
