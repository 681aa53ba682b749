import Foundation
import TelemetryStore

/// The bucket lifecycle rule that expires uploaded events (`cfdev-telemetry retention`): one
/// rule, ID `cfdev-telemetry-retention`, filter `<prefix>events/`, expiration after `days`.
/// A PUT replaces the bucket's whole lifecycle configuration, so other rules already on the
/// bucket are read first and kept as they are.
///
/// With `erasuresPrefix`, a second rule (`cfdev-telemetry-retention-erasures`) expires the
/// machines' erasure requests after the same days: a request outlives every event it names, since
/// those were uploaded before it was made.
package struct RetentionRule: Sendable, Equatable {
    package static let ruleID = "cfdev-telemetry-retention"
    package static let erasuresRuleID = "cfdev-telemetry-retention-erasures"
    /// Five years.
    package static let defaultDays = 1825
    package static let allowedDays = 1...36_500

    package var prefix: String
    package var days: Int
    /// `<prefix>erasures/`, expired by the second rule; nil: no second rule.
    package var erasuresPrefix: String?

    package init(prefix: String, days: Int, erasuresPrefix: String? = nil) throws {
        guard Self.allowedDays.contains(days) else {
            throw ReportError.invalidOption("--days must be between 1 and \(Self.allowedDays.upperBound), got \(days)")
        }
        self.prefix = prefix
        self.days = days
        self.erasuresPrefix = erasuresPrefix
    }

    /// The `<Rule>` elements (one, or two with `erasuresPrefix`).
    package var ruleXML: String {
        Self.rule(id: Self.ruleID, prefix: prefix, days: days)
            + (erasuresPrefix.map { Self.rule(id: Self.erasuresRuleID, prefix: $0, days: days) } ?? "")
    }

    static func rule(id: String, prefix: String, days: Int) -> String {
        "<Rule><ID>\(id)</ID><Filter><Prefix>\(LifecycleXML.escape(prefix))</Prefix></Filter>"
            + "<Status>Enabled</Status><Expiration><Days>\(days)</Days></Expiration></Rule>"
    }

    /// The configuration to PUT: the rules of `existing` (a `LifecycleConfiguration` document,
    /// or nil for none) other than ours, then this rule.
    package func configuration(keeping existing: String?) throws -> String {
        var others: [S3XMLElement] = []
        if let existing, !existing.isEmpty {
            guard let root = S3XMLElement.parse(Data(existing.utf8)), root.name == "LifecycleConfiguration" else {
                throw ReportError.lifecycle("the bucket's current lifecycle configuration could not be read; nothing was changed")
            }
            others = root.children("Rule").filter { $0.text(of: "ID") != Self.ruleID && $0.text(of: "ID") != Self.erasuresRuleID }
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + others.map(LifecycleXML.serialize).joined() + ruleXML + "</LifecycleConfiguration>"
    }
}

/// One rule of a bucket's lifecycle configuration, as read back.
package struct LifecycleRuleSummary: Sendable, Equatable {
    package var id: String
    /// The filter's prefix (`Filter/Prefix`, `Filter/And/Prefix` or the legacy `Prefix`); "" for the whole bucket.
    package var prefix: String
    package var status: String
    package var expirationDays: Int?

    package init(id: String, prefix: String, status: String, expirationDays: Int?) {
        self.id = id
        self.prefix = prefix
        self.status = status
        self.expirationDays = expirationDays
    }

    /// The rules of a `LifecycleConfiguration` document.
    package static func parse(_ xml: String) -> [LifecycleRuleSummary] {
        guard let root = S3XMLElement.parse(Data(xml.utf8)) else { return [] }
        return root.children("Rule").map { rule in
            let filter = rule.child("Filter")
            let prefix = filter?.text(of: "Prefix") ?? filter?.child("And")?.text(of: "Prefix") ?? rule.text(of: "Prefix") ?? ""
            return LifecycleRuleSummary(
                id: rule.text(of: "ID") ?? "", prefix: prefix, status: rule.text(of: "Status") ?? "",
                expirationDays: rule.child("Expiration")?.text(of: "Days").flatMap { Int($0) })
        }
    }

    /// `cfdev-telemetry-retention: objects under "events/" expire 1825 days (about 5 years) after upload (Enabled)`.
    package var description: String {
        let scope = prefix.isEmpty ? "every object of the bucket" : "objects under \"\(prefix)\""
        let expiry =
            expirationDays.map { days in
                "expire \(days) day\(days == 1 ? "" : "s")\(days >= 365 ? " (about \(Self.years(days)))" : "") after upload"
            } ?? "no expiration by age"
        return "\(id.isEmpty ? "(no ID)" : id): \(scope) \(expiry) (\(status.isEmpty ? "no status" : status))"
    }

    static func years(_ days: Int) -> String {
        let tenths = Int((Double(days) / 365.25 * 10).rounded())
        let text = tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
        return text + (text == "1" ? " year" : " years")
    }
}

/// Writing back lifecycle elements read with `S3XMLElement`.
enum LifecycleXML {
    static func serialize(_ element: S3XMLElement) -> String {
        let inner = element.children.isEmpty ? escape(element.text) : element.children.map(serialize).joined()
        return "<\(element.name)>\(inner)</\(element.name)>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
