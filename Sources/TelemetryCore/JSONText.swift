/// Minimal, deterministic JSON text writing for the envelope: fixed field order, sorted
/// `data` keys, no whitespace, so that the same event always serialises to the same bytes.
public enum JSONText {
    /// A JSON string literal. `htmlSafe` also escapes `<`, U+2028 and U+2029, so the text
    /// can sit inside an HTML `<script>` or attribute.
    public static func string(_ s: String, htmlSafe: Bool = false) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
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

    static func value(_ v: EventValue) -> String {
        switch v {
        case .string(let s): return string(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .strings(let list): return "[" + list.map { string($0) }.joined(separator: ",") + "]"
        }
    }

    static func object(_ data: EventData) -> String {
        "{" + data.keys.sorted().map { string($0) + ":" + value(data[$0]!) }.joined(separator: ",") + "}"
    }
}
