import Platform

/// A command line as the kernel passed it: bytes, never decoded. The real `cf` must get
/// exactly the bytes typed, valid UTF-8 or not; text is derived only to classify.
package struct CommandLineBytes: Sendable, Equatable {
    /// Each argument without its terminating NUL; the first is the program name.
    package var arguments: [[UInt8]]

    package init(_ arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// Arguments given as text (tests, and words the shim adds itself).
    package init(text: [String]) {
        arguments = text.map { Array($0.utf8) }
    }

    /// This process's own `argv`.
    package static func current() -> CommandLineBytes {
        var arguments: [[UInt8]] = []
        arguments.reserveCapacity(Int(CommandLine.argc))
        for index in 0..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { break }
            arguments.append(Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))))
        }
        return CommandLineBytes(arguments)
    }

    /// The arguments decoded for classification only (a bad byte becomes U+FFFD here, and
    /// nowhere else).
    package var text: [String] {
        arguments.map { String(decoding: $0, as: UTF8.self) }
    }

    package var count: Int { arguments.count }

    /// The arguments from `index` on.
    package func dropFirst(_ count: Int = 1) -> CommandLineBytes {
        CommandLineBytes(Array(arguments.dropFirst(count)))
    }

    package static func + (lhs: CommandLineBytes, rhs: CommandLineBytes) -> CommandLineBytes {
        CommandLineBytes(lhs.arguments + rhs.arguments)
    }

    /// Runs `body` with a NULL-terminated C `argv` of these bytes.
    package func withArgv<T>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { bytes in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { UnsafeMutableRawPointer(pointer).copyMemory(from: base, byteCount: source.count) }
            }
            pointer[bytes.count] = 0
            return pointer
        }
        pointers.append(nil)
        defer { for pointer in pointers { pointer?.deallocate() } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// A path as bytes, passed to libc as a C string (paths, like arguments, need not be UTF-8).
package func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
    (path + [0]).withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { body($0) }
    }
}
