import CZlib
import Foundation

/// Why gzip compression failed, or (the tests' whole-object inflate) decompression.
package enum GzipError: Error, Equatable, CustomStringConvertible {
    /// zlib could not set up a stream (zlib return code).
    case initialization(code: Int32)
    /// The input is not gzip (or zlib) data, or it is damaged: bad header, bad CRC, bad block.
    case corrupt(String)
    /// The input ends in the middle of a member.
    case truncated
    /// deflate failed (zlib return code); should not happen with valid parameters.
    case compression(code: Int32)

    package var description: String {
        switch self {
        case .initialization(let code): "gzip: zlib initialization failed (\(code))"
        case .corrupt(let message): "gzip: corrupt input: \(message)"
        case .truncated: "gzip: truncated input"
        case .compression(let code): "gzip: deflate failed (\(code))"
        }
    }
}

/// Deterministic gzip via zlib: the same input always gives the same bytes (mtime 0,
/// no name, fixed OS byte, fixed level), so a re-sent batch is byte-identical.
package enum Gzip {
    /// The deflate level used for every batch; part of the determinism contract.
    package static let level: Int32 = 6
    /// Raw-deflate window bits; +16 asks zlib for a gzip wrapper, +32 to auto-detect on inflate.
    static let windowBits: Int32 = 15
    /// The header's OS byte: 3 (Unix), whatever platform compressed the data.
    static let osCode: Int32 = 3
    static let chunk = 64 * 1024

    package static func compress(_ data: Data) throws -> Data {
        try compress([UInt8](data))
    }

    /// One gzip member holding `bytes`.
    package static func compress(_ bytes: [UInt8]) throws -> Data {
        var stream = z_stream()
        let initCode = deflateInit2_(
            &stream, level, Z_DEFLATED, windowBits + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw GzipError.initialization(code: initCode) }
        defer { deflateEnd(&stream) }

        // zlib keeps this pointer until the header is written by the first deflate call.
        let header = UnsafeMutablePointer<gz_header>.allocate(capacity: 1)
        defer { header.deallocate() }
        header.initialize(to: gz_header())
        header.pointee.time = 0
        header.pointee.os = osCode
        let headerCode = deflateSetHeader(&stream, header)
        guard headerCode == Z_OK else { throw GzipError.initialization(code: headerCode) }

        var output = Data()
        var buffer = [UInt8](repeating: 0, count: chunk)
        try bytes.withUnsafeBufferPointer { input in
            var offset = 0
            while true {
                let take = min(input.count - offset, Int(Int32.max))
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + offset })
                stream.avail_in = uInt(take)
                offset += take
                let flush = offset == input.count ? Z_FINISH : Z_NO_FLUSH
                var code: Int32
                repeat {
                    code = buffer.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = uInt(out.count)
                        return deflate(&stream, flush)
                    }
                    guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                        throw GzipError.compression(code: code)
                    }
                    output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                } while stream.avail_out == 0 && code != Z_STREAM_END
                if flush == Z_FINISH {
                    guard code == Z_STREAM_END else { throw GzipError.compression(code: code) }
                    return
                }
            }
        }
        return output
    }
}
