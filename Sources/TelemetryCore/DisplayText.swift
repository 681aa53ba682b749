/// Text that came from outside (a store's answer, the environment, a file) made safe to print
/// or log: control characters removed, user-info in URLs masked, length bounded.
public enum DisplayText {
    /// `text` without control characters (C0, DEL, C1, and the bidirectional overrides that
    /// reorder a terminal line), newlines and tabs turned into spaces, at most `limit` characters.
    public static func sanitized(_ text: String, limit: Int = 1000) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                out.append(contentsOf: "…".unicodeScalars)
                break
            }
            let value = scalar.value
            if value == 0x0a || value == 0x0d || value == 0x09 {
                out.append(" ")
            } else if value < 0x20 || (0x7f...0x9f).contains(value) || (0x202a...0x202e).contains(value)
                || (0x2066...0x2069).contains(value) || value == 0x200e || value == 0x200f
            {
                continue
            } else {
                out.append(scalar)
            }
            count += 1
        }
        return String(out)
    }

    /// Every `scheme://user:password@host` in `text` as `scheme://***@host`, then sanitized.
    public static func maskingUserInfo(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let marker = rest.range(of: "://") {
            result += rest[..<marker.upperBound]
            rest = rest[marker.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" || $0 == " " || $0 == "\"" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                result += "***@"
                rest = rest[rest.index(after: at)...]
            }
        }
        result += rest
        return sanitized(result)
    }
}
