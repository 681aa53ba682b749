import CZlib
import Foundation
import Platform

/// Inflates gzip data (concatenated members, as `gzip -dc` reads them) a chunk at a time and
/// hands out its lines, enforcing `ObjectLimits` as it goes: nothing larger than one chunk and
/// one line is ever held.
struct GzipLineDecoder {
    /// How the input ended.
    enum Ending: Equatable {
        /// Every byte belonged to complete members.
        case complete
        /// At least one member decoded; what follows the last one is not a complete member.
        case trailingJunk
        /// The first member's header is not gzip (or zlib).
        case notGzip
        /// The first member is damaged or cut short.
        case damaged
        /// The output passed `maxDecompressedBytes`.
        case tooLarge
    }

    let limits: ObjectLimits
    static let chunk = 64 * 1024

    /// Decodes `input`. `line` gets each non-blank line (without its `\n`), `longLine` is called
    /// once per line over the limit, `memberEnd` after each complete member (the lines handed out
    /// so far are then final; lines after the last `memberEnd` belong to a member that did not end
    /// well unless the ending is `.complete`).
    func decode(
        _ input: Data, line: (UnsafeRawBufferPointer) -> Void, longLine: () -> Void, memberEnd: () -> Void
    ) -> Ending {
        guard !input.isEmpty else { return .notGzip }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .damaged
        }
        defer { inflateEnd(&stream) }
        var splitter = LineSplitter(maxLine: limits.maxLineBytes)
        var produced = 0
        var members = 0
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 1)
        defer { output.deallocate() }

        return input.withUnsafeBytes { (source: UnsafeRawBufferPointer) -> Ending in
            let base = source.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var offset = 0
            let failed = { (code: Int32) -> Ending in
                if members > 0 { return .trailingJunk }
                return produced == 0 && stream.total_in < 10 ? .notGzip : .damaged
            }
            while true {
                let take = min(source.count - offset, Int(UInt32.max >> 1))
                stream.next_in = UnsafeMutablePointer(mutating: base + offset)
                stream.avail_in = uInt(take)
                offset += take
                while true {
                    stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = uInt(output.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    let count = output.count - Int(stream.avail_out)
                    produced += count
                    if produced > limits.maxDecompressedBytes { return .tooLarge }
                    if count > 0 {
                        splitter.feed(UnsafeRawBufferPointer(rebasing: output[0..<count]), line: line, longLine: longLine)
                    }
                    switch code {
                    case Z_STREAM_END:
                        members += 1
                        let consumed = offset - Int(stream.avail_in)
                        if consumed >= source.count {
                            splitter.finish(line: line, longLine: longLine)
                            memberEnd()
                            return .complete
                        }
                        memberEnd()
                        guard inflateReset(&stream) == Z_OK else { return .trailingJunk }
                        stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                        stream.avail_in = uInt(min(source.count - consumed, Int(UInt32.max >> 1)))
                        offset = consumed + Int(stream.avail_in)
                        continue
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        break  // this piece of input is used up: take the next one
                    default:
                        return failed(code)
                    }
                    break
                }
                if offset >= source.count { return failed(Z_BUF_ERROR) }
            }
        }
    }
}

/// Cuts a byte stream into lines of at most `maxLine` bytes; a longer line is skipped up to its
/// end and reported once. Blank lines (only spaces, tabs, `\r`) are dropped.
struct LineSplitter {
    let maxLine: Int
    private var pending: [UInt8] = []
    private var skipping = false

    init(maxLine: Int) {
        self.maxLine = maxLine
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, line: (UnsafeRawBufferPointer) -> Void, longLine: () -> Void) {
        var start = 0
        let count = bytes.count
        guard let base = bytes.baseAddress else { return }
        while start < count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[start..<count])
            guard let found = memchr(base + start, 0x0A, count - start) else {
                append(rest, longLine: longLine)
                return
            }
            let newline = (base + start).distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(rebasing: rest[0..<newline])
            if skipping {
                skipping = false
            } else if pending.isEmpty {
                if piece.count > maxLine { longLine() } else { emit(piece, line: line) }
            } else {
                append(piece, longLine: longLine)
                if skipping {
                    skipping = false
                } else {
                    pending.withUnsafeBytes { emit($0, line: line) }
                }
                pending.removeAll(keepingCapacity: true)
            }
            start += newline + 1
        }
    }

    /// The last line, when the stream does not end with `\n`.
    mutating func finish(line: (UnsafeRawBufferPointer) -> Void, longLine: () -> Void) {
        if !skipping && !pending.isEmpty { pending.withUnsafeBytes { emit($0, line: line) } }
        pending.removeAll()
        skipping = false
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer, longLine: () -> Void) {
        guard !skipping else { return }
        if pending.count + bytes.count > maxLine {
            pending.removeAll(keepingCapacity: true)
            skipping = true
            longLine()
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    private func emit(_ bytes: UnsafeRawBufferPointer, line: (UnsafeRawBufferPointer) -> Void) {
        if bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { line(bytes) }
    }
}
