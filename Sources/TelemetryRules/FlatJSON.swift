import Platform

/// The one JSON shape the shim's front must read without Foundation: a flat object whose
/// values are strings, integers or booleans (`consent.json`, the managed policy). Strict:
/// anything else is nil.
package enum FlatJSON {
    package enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
    }

    /// The object's fields, or nil if `text` is not exactly one flat object (surrounding
    /// whitespace allowed) or a key repeats.
    package static func parseObject(_ text: String) -> [String: Value]? {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.object()
    }

    /// A JSON string literal (quotes included). `htmlSafe` also escapes `<`, U+2028 and
    /// U+2029, so the text can sit inside an HTML `<script>` or attribute.
    package static func string(_ text: String, htmlSafe: Bool = false) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where htmlSafe: out += "\\u003c"
            default:
                if scalar.value < 0x20 || (htmlSafe && (scalar.value == 0x2028 || scalar.value == 0x2029)) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func object() -> [String: Value]? {
            skipBlanks()
            guard take(UInt8(ascii: "{")) else { return nil }
            var fields: [String: Value] = [:]
            skipBlanks()
            if take(UInt8(ascii: "}")) { return finished(fields) }
            while true {
                skipBlanks()
                guard let key = string() else { return nil }
                skipBlanks()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipBlanks()
                guard let value = value(), fields[key] == nil else { return nil }
                fields[key] = value
                skipBlanks()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                return finished(fields)
            }
        }

        mutating func finished(_ fields: [String: Value]) -> [String: Value]? {
            skipBlanks()
            return index == bytes.count ? fields : nil
        }

        mutating func value() -> Value? {
            if peek == UInt8(ascii: "\"") { return string().map(Value.string) }
            if literal("true") { return .boolean(true) }
            if literal("false") { return .boolean(false) }
            var digits = 0
            var number = 0
            let negative = take(UInt8(ascii: "-"))
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                index += 1
                digits += 1
                guard digits <= 18 else { return nil }
                number = number * 10 + Int(byte - UInt8(ascii: "0"))
            }
            guard digits > 0 else { return nil }
            return .integer(negative ? -number : number)
        }

        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() -> Bool {
                guard !raw.isEmpty else { return true }
                guard let text = String(validating: raw, as: UTF8.self) else { return false }
                scalars.append(contentsOf: text.unicodeScalars)
                raw.removeAll()
                return true
            }
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard flush() else { return nil }
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    guard flush(), let escaped = peek else { return nil }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escaped))
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{c}")
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count,
                            let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                            let scalar = Unicode.Scalar(code)
                        else { return nil }
                        index += 4
                        scalars.append(scalar)
                    default: return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    raw.append(byte)
                }
            }
            return nil
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let matches = word.withUTF8Buffer { Array($0) == Array(bytes[index..<index + count]) }
            if matches { index += count }
            return matches
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        mutating func skipBlanks() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }
    }
}
