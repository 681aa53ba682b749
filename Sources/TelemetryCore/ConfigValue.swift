/// A JSON value of the config file, decoded strictly so that `true` is never a number and
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
        if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let i = try? container.decode(Int.self) { self = .int(i) }
        else if let d = try? container.decode(Double.self) { self = .double(d) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([ConfigValue].self) { self = .array(a) }
        else { self = .other }
    }

    func string(_ source: String) throws -> String {
        guard case .string(let s) = self else { throw TelemetryError.configuration("\(source): expected a string") }
        return s
    }

    func bool(_ source: String) throws -> Bool {
        guard case .bool(let b) = self else { throw TelemetryError.configuration("\(source): expected true or false") }
        return b
    }

    func int(_ source: String, min: Int) throws -> Int {
        guard case .int(let i) = self, i >= min else {
            throw TelemetryError.configuration("\(source): expected a whole number of at least \(min)")
        }
        return i
    }

    func strings(_ source: String) throws -> [String] {
        guard case .array(let items) = self, !items.isEmpty else {
            throw TelemetryError.configuration("\(source): expected a non-empty list of strings")
        }
        return try items.map { try $0.string(source) }
    }
}
