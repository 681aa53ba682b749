/// Number and label formatting shared by the Markdown and HTML formats.
package enum TextFormatting {
    /// `12345` → `12,345`.
    package static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// `0.4567` → `45.7%` (`<0.1%` for tiny shares).
    static func percent(_ share: Double) -> String {
        if share > 0 && share < 0.001 { return "<0.1%" }
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// Text safe inside HTML elements and attribute values.
    static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Text safe in a Markdown table cell: Markdown punctuation backslash-escaped.
    static func markdown(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\|*_`<>[]#~".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// The heading noun of a period granularity: "Day", "Week"…
    static func periodTitle(_ granularity: PeriodGranularity) -> String {
        granularity.rawValue.prefix(1).uppercased() + granularity.rawValue.dropFirst()
    }
}
