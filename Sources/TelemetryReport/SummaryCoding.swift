import Foundation

/// The binary form of a `SpanSummary` in the report's cache (little-endian, every count and
/// index checked on decoding: a row that does not decode is a miss, never a wrong number).
enum SummaryCoding {
    static let magic = Array("CFSS1".utf8)

    /// The whole encoding at once (tests; the cache streams it with `encode(_:partBytes:emit:)`).
    static func encode(_ summary: SpanSummary) -> Data {
        var whole = Data()
        encode(summary, partBytes: 1 << 20) { whole.append(contentsOf: $0) }
        return whole
    }

    /// Encodes `summary` a part at a time: `emit` gets consecutive parts of about `partBytes` bytes
    /// (past it by one label, object or slice of hashes at most; the last one may be shorter), so
    /// that saving a span of millions of events never holds its whole encoding.
    static func encode(_ summary: SpanSummary, partBytes: Int, emit: ([UInt8]) throws -> Void) rethrows {
        var out = BinaryWriter()
        out.bytes.reserveCapacity(2 * partBytes)
        out.append(magic)
        let totals = summary.totals
        for value in totals.counts { out.u64(UInt64(bitPattern: Int64(value))) }
        out.u32(UInt32(totals.rejectedLines.count))
        for value in totals.rejectedLines { out.u64(UInt64(bitPattern: Int64(value))) }
        out.u32(UInt32(totals.rejectedObjects.count))
        for value in totals.rejectedObjects { out.u64(UInt64(bitPattern: Int64(value))) }
        out.u32(UInt32(summary.labels.count))
        for label in summary.labels {
            out.text(label)
            try out.spill(over: partBytes, to: emit)
        }
        out.u32(UInt32(summary.objects.count))
        for object in summary.objects {
            out.u32(UInt32(object.day))
            out.text(object.key)
            out.text(object.etag)
            try out.spill(over: partBytes, to: emit)
        }
        out.u32(UInt32(summary.dayEvents.count))
        let hashesPerSlice = max(1, partBytes / 8)
        for (day, hashes) in summary.dayEvents.sorted(by: { $0.key < $1.key }) {
            out.u32(UInt32(day))
            out.u32(UInt32(hashes.count))
            for start in stride(from: 0, to: hashes.count, by: hashesPerSlice) {
                let slice = hashes[start..<min(hashes.count, start + hashesPerSlice)]
                #if _endian(little)
                slice.withUnsafeBytes { out.bytes.append(contentsOf: $0) }
                #else
                for hash in slice { out.u64(hash) }
                #endif
                try out.spill(over: partBytes, to: emit)
            }
        }
        out.u32(UInt32(summary.atoms.count))
        for atom in summary.atoms {
            out.u64(atom.machine)
            out.u32(atom.event)
            out.u32(atom.os)
            out.u32(atom.build)
            out.u64(atom.count)
            try out.spill(over: partBytes, to: emit)
        }
        try out.spill(over: 1, to: emit)
    }

    /// The summary of a span of `dayCount` days, or nil when the bytes are not one.
    static func decode(_ data: Data, dayCount: Int) -> SpanSummary? {
        data.withUnsafeBytes { decode(bytes: $0, dayCount: dayCount) }
    }

    static let atomSize = 28

    private static func decode(bytes: UnsafeRawBufferPointer, dayCount: Int) -> SpanSummary? {
        var input = BinaryReader(bytes: bytes)
        guard input.take(magic.count).map({ $0.elementsEqual(magic) }) == true else { return nil }
        var summary = SpanSummary()
        for index in ObjectTotals.counters.indices {
            guard let value = input.count() else { return nil }
            summary.totals.counts[index] = value
        }
        guard input.u32() == UInt32(LineRejection.allCases.count) else { return nil }
        for index in LineRejection.allCases.indices {
            guard let value = input.count() else { return nil }
            summary.totals.rejectedLines[index] = value
        }
        guard input.u32() == UInt32(ObjectRejection.allCases.count) else { return nil }
        for index in ObjectRejection.allCases.indices {
            guard let value = input.count() else { return nil }
            summary.totals.rejectedObjects[index] = value
        }
        guard let labelCount = input.u32(), Int(labelCount) <= input.remaining / 4 else { return nil }
        for _ in 0..<labelCount {
            guard let label = input.text() else { return nil }
            summary.labels.append(label)
        }
        guard let objectCount = input.u32(), Int(objectCount) <= input.remaining / 12 else { return nil }
        for _ in 0..<objectCount {
            guard let day = input.u32(), Int(day) < dayCount, let key = input.text(), let etag = input.text() else { return nil }
            summary.objects.append(SpanSummary.Object(day: Int(day), key: key, etag: etag))
        }
        guard let dayRows = input.u32(), Int(dayRows) <= dayCount else { return nil }
        for _ in 0..<dayRows {
            guard let day = input.u32(), Int(day) < dayCount, summary.dayEvents[Int(day)] == nil, let count = input.u32(),
                Int(count) <= input.remaining / 8, let raw = input.take(Int(count) * 8)
            else { return nil }
            var hashes = [UInt64](repeating: 0, count: Int(count))
            hashes.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
            summary.dayEvents[Int(day)] = hashes.map { UInt64(littleEndian: $0) }
        }
        guard let atomCount = input.u32(), Int(atomCount) * atomSize == input.remaining else { return nil }
        let labels = UInt32(summary.labels.count)
        summary.atoms.reserveCapacity(Int(atomCount))
        for _ in 0..<atomCount {
            guard let machine = input.u64(), let event = input.u32(), let os = input.u32(), let build = input.u32(), let count = input.u64(),
                event < labels, os < labels, build < labels, count > 0, count <= UInt64(Int32.max)
            else { return nil }
            summary.atoms.append(SpanSummary.Atom(machine: machine, event: event, os: os, build: build, count: count))
        }
        return summary
    }
}
