import CZlib
import Foundation
@testable import TelemetryStore

/// Inflating a whole object in memory, for the tests: they read back what was uploaded. (The
/// product never does: the report and compaction inflate through `GzipLineDecoder`, a line at
/// a time within `ObjectLimits`.)
extension Gzip {
    /// Inflates gzip data (one member or several concatenated, as `gzip -dc` does; zlib-wrapped
    /// data is accepted too). Throws `GzipError` on anything damaged or incomplete.
    package static func decompress(_ data: Data) throws -> Data {
        let input = [UInt8](data)
        guard !input.isEmpty else { throw GzipError.truncated }
        var stream = z_stream()
        let initCode = inflateInit2_(
            &stream, windowBits + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw GzipError.initialization(code: initCode) }
        defer { inflateEnd(&stream) }

        var output = Data()
        var buffer = [UInt8](repeating: 0, count: chunk)
        try input.withUnsafeBufferPointer { source in
            var offset = 0
            while true {
                let take = min(source.count - offset, Int(Int32.max))
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + offset)
                stream.avail_in = uInt(take)
                offset += take
                var code: Int32
                repeat {
                    code = buffer.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = uInt(out.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    switch code {
                    case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
                        break
                    case Z_NEED_DICT:
                        throw GzipError.corrupt("a preset dictionary is required")
                    default:
                        throw GzipError.corrupt(stream.msg.map { String(cString: $0) } ?? "zlib error \(code)")
                    }
                    output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                    if code == Z_STREAM_END {
                        // Another member may follow; this one's input is consumed up to next_in.
                        let consumed = offset - Int(stream.avail_in)
                        guard consumed < source.count else { return }
                        let resetCode = inflateReset(&stream)
                        guard resetCode == Z_OK else { throw GzipError.initialization(code: resetCode) }
                        offset = consumed
                        break
                    }
                } while stream.avail_out == 0 || stream.avail_in > 0
                if code == Z_STREAM_END { continue }
                if offset == source.count { throw GzipError.truncated }
            }
        }
        return output
    }
}
