/// A JSON value of the settings files, decoded strictly so that `true` is never a number and
/// `1` never a boolean; its accessors produce the one-line errors of the settings loader.
enum ConfigValue: Decodable {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ConfigValue])
    case other

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([ConfigValue].self) {
            self = .array(a)
        } else {
            self = .other
        }
    }

    func string(_ source: String) throws -> String {
        guard case .string(let s) = self else { throw TelemetryError.configuration("\(source): expected a string") }
        return s
    }

    func bool(_ source: String) throws -> Bool {
        guard case .bool(let b) = self else { throw TelemetryError.configuration("\(source): expected true or false") }
        return b
    }

    func int(_ source: String, in range: ClosedRange<Int>) throws -> Int {
        guard case .int(let i) = self, range.contains(i) else {
            throw TelemetryError.configuration(
                "\(source): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }

    /// A finite number within `range` (whole or not).
    func seconds(_ source: String, in range: ClosedRange<Double>) throws -> Double {
        let value: Double
        switch self {
        case .int(let i): value = Double(i)
        case .double(let d): value = d
        default: value = .nan
        }
        guard value.isFinite, range.contains(value) else {
            throw TelemetryError.configuration(
                "\(source): expected a number of seconds from \(ValueParsing.format(range.lowerBound)) to \(ValueParsing.format(range.upperBound))")
        }
        return value
    }

    func strings(_ source: String) throws -> [String] {
        guard case .array(let items) = self, !items.isEmpty, items.count <= 100 else {
            throw TelemetryError.configuration("\(source): expected a list of 1 to 100 strings")
        }
        return try items.map { try $0.string(source) }
    }
}
