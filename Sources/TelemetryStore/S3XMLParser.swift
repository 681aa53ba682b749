/// A small, bounded XML reader for the few fixed documents S3 answers with (`ListBucketResult`,
/// `Error`, `LifecycleConfiguration`, IAM's `CreateAccessKeyResponse`): elements, character
/// data, CDATA, comments and processing instructions. Attributes are checked and dropped,
/// namespace prefixes are dropped from names. A document type declaration is refused (no
/// entity definitions, so no entity expansion); the five predefined entities and numeric
/// character references are decoded. Input size and nesting depth are bounded, the input must
/// be UTF-8, and anything not well-formed gives nil.
struct S3XMLParser {
    /// Larger bodies are refused: a `ListObjectsV2` page of 1,000 URL-encoded 1 KiB keys is under 4 MiB.
    static let maxBytes = 16 << 20
    /// Deeper nesting is refused: S3's documents are at most five levels deep.
    static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The root element of `bytes`, or nil when it is not a well-formed, bounded document.
    static func parse(_ bytes: [UInt8]) -> S3XMLElement? {
        guard bytes.count <= maxBytes, String(validating: bytes, as: UTF8.self) != nil else { return nil }
        var parser = S3XMLParser(bytes: bytes)
        return parser.document()
    }

    // MARK: Document structure

    private struct OpenElement {
        var qualifiedName: ArraySlice<UInt8>
        var text: [UInt8] = []
        var children: [S3XMLElement] = []
    }

    private mutating func document() -> S3XMLElement? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        guard skipMisc(), peek(0) == UInt8(ascii: "<") else { return nil }
        guard let root = element(), skipMisc(), index == bytes.count else { return nil }
        return root
    }

    /// Skips whitespace, comments and processing instructions (before and after the root).
    /// False on a malformed one or a document type declaration.
    private mutating func skipMisc() -> Bool {
        while true {
            skipWhitespace()
            if starts(with: "<?") {
                guard skip(past: "?>") else { return false }
            } else if starts(with: "<!--") {
                guard skip(past: "-->") else { return false }
            } else if starts(with: "<!") {
                return false
            } else {
                return true
            }
        }
    }

    /// The element starting at `index` (on its `<`), with everything inside it.
    private mutating func element() -> S3XMLElement? {
        var stack: [OpenElement] = []
        guard let (first, empty) = startTag() else { return nil }
        if empty { return Self.finish(OpenElement(qualifiedName: first)) }
        stack.append(OpenElement(qualifiedName: first))
        while !stack.isEmpty {
            guard index < bytes.count else { return nil }
            if bytes[index] != UInt8(ascii: "<") {
                guard characterData(into: &stack[stack.count - 1].text) else { return nil }
            } else if starts(with: "</") {
                guard let name = endTag(), name == stack[stack.count - 1].qualifiedName else { return nil }
                let done = Self.finish(stack.removeLast())
                if stack.isEmpty { return done }
                stack[stack.count - 1].children.append(done)
            } else if starts(with: "<![CDATA[") {
                index += 9
                guard let end = find("]]>") else { return nil }
                stack[stack.count - 1].text += bytes[index..<end]
                index = end + 3
            } else if starts(with: "<!--") {
                guard skip(past: "-->") else { return nil }
            } else if starts(with: "<?") {
                guard skip(past: "?>") else { return nil }
            } else {
                guard stack.count < Self.maxDepth, let (name, empty) = startTag() else { return nil }
                if empty {
                    stack[stack.count - 1].children.append(Self.finish(OpenElement(qualifiedName: name)))
                } else {
                    stack.append(OpenElement(qualifiedName: name))
                }
            }
        }
        return nil
    }

    /// A closed element: its name without a namespace prefix; its text trimmed when it has children
    /// (the whitespace between child elements is layout, not content).
    private static func finish(_ open: OpenElement) -> S3XMLElement {
        let local = open.qualifiedName.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).last ?? open.qualifiedName
        var text = String(decoding: open.text, as: UTF8.self)
        if !open.children.isEmpty { text = trimmed(text) }
        return S3XMLElement(name: String(decoding: local, as: UTF8.self), text: text, children: open.children)
    }

    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let start = text.firstIndex(where: { !isSpace($0) }), let end = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(text[start...end])
    }

    // MARK: Tags

    /// `<name attr="v" …>` or `<name …/>`: the qualified name and whether the element is empty.
    private mutating func startTag() -> (ArraySlice<UInt8>, Bool)? {
        index += 1
        guard let name = name() else { return nil }
        while true {
            let hadSpace = skipWhitespace()
            if starts(with: "/>") {
                index += 2
                return (name, true)
            }
            if peek(0) == UInt8(ascii: ">") {
                index += 1
                return (name, false)
            }
            guard hadSpace, attribute() else { return nil }
        }
    }

    /// `</name>`: the qualified name.
    private mutating func endTag() -> ArraySlice<UInt8>? {
        index += 2
        guard let name = name() else { return nil }
        skipWhitespace()
        guard peek(0) == UInt8(ascii: ">") else { return nil }
        index += 1
        return name
    }

    /// `name = "value"` (or single quotes); the value may not hold `<`, and its references must be valid.
    private mutating func attribute() -> Bool {
        guard name() != nil else { return false }
        skipWhitespace()
        guard peek(0) == UInt8(ascii: "=") else { return false }
        index += 1
        skipWhitespace()
        guard let quote = peek(0), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return false }
        index += 1
        var ignored: [UInt8] = []
        while let byte = peek(0), byte != quote {
            if byte == UInt8(ascii: "<") { return false }
            if byte == UInt8(ascii: "&") {
                guard reference(into: &ignored) else { return false }
            } else {
                index += 1
            }
        }
        guard peek(0) == quote else { return false }
        index += 1
        return true
    }

    /// An XML name: starts with a letter, `_`, `:` or a non-ASCII byte; goes on with those, digits, `-` and `.`.
    private mutating func name() -> ArraySlice<UInt8>? {
        let start = index
        while let byte = peek(0), Self.isNameByte(byte, first: index == start) { index += 1 }
        return index > start ? bytes[start..<index] : nil
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...:
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return !first
        default:
            return false
        }
    }

    // MARK: Character data

    /// Text up to the next `<`, references decoded, appended to `text`.
    private mutating func characterData(into text: inout [UInt8]) -> Bool {
        while let byte = peek(0), byte != UInt8(ascii: "<") {
            if byte == UInt8(ascii: "&") {
                guard reference(into: &text) else { return false }
            } else {
                guard byte >= 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return false }
                text.append(byte)
                index += 1
            }
        }
        return true
    }

    /// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&#NNN;` `&#xHHH;` at `index`, decoded into `text`.
    /// False for any other entity (none can be declared) or a code point XML does not allow.
    private mutating func reference(into text: inout [UInt8]) -> Bool {
        guard let semicolon = bytes[index..<min(bytes.count, index + 12)].firstIndex(of: UInt8(ascii: ";")) else {
            return false
        }
        let body = bytes[(index + 1)..<semicolon]
        index = semicolon + 1
        switch String(decoding: body, as: UTF8.self) {
        case "amp": text.append(UInt8(ascii: "&"))
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "quot": text.append(UInt8(ascii: "\""))
        case "apos": text.append(UInt8(ascii: "'"))
        case let numeric where numeric.hasPrefix("#"):
            let digits = numeric.dropFirst()
            let value: UInt32?
            if digits.first == "x" {
                let hex = digits.dropFirst()
                value = hex.allSatisfy(\.isHexDigit) ? UInt32(hex, radix: 16) : nil
            } else {
                value = digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? UInt32(digits, radix: 10) : nil
            }
            guard let value, Self.isXMLChar(value), let scalar = Unicode.Scalar(value) else { return false }
            text += Array(String(Character(scalar)).utf8)
        default:
            return false
        }
        return true
    }

    /// XML 1.0's `Char`: tab, newline, carriage return, and U+0020 up, without surrogates, U+FFFE and U+FFFF.
    private static func isXMLChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    // MARK: Scanning

    private func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func starts(with literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
    }

    /// The index of the next `literal` at or after `index`.
    private func find(_ literal: StaticString) -> Int? {
        literal.withUTF8Buffer { needle in
            guard let first = needle.first, bytes.count >= needle.count else { return nil }
            var position = index
            while position <= bytes.count - needle.count {
                guard let candidate = bytes[position...(bytes.count - needle.count)].firstIndex(of: first) else { return nil }
                if bytes[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
                position = candidate + 1
            }
            return nil
        }
    }

    /// Moves past the next `literal`; false when there is none.
    private mutating func skip(past literal: StaticString) -> Bool {
        guard let end = find(literal) else { return false }
        index = end + literal.utf8CodeUnitCount
        return true
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while let byte = peek(0), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        return index > start
    }
}
