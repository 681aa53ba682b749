#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed XML element of an S3 response: name (namespace prefix dropped), text, children.
public struct S3XMLElement: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [S3XMLElement]

    public init(name: String, text: String, children: [S3XMLElement]) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first direct child with that name.
    public func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }

    /// All direct children with that name.
    public func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

    /// The text of the first direct child with that name.
    public func text(of name: String) -> String? { child(name)?.text }

    /// Parses a whole document; nil when it is not well-formed XML, not UTF-8, larger than
    /// `S3XMLParser.maxBytes` or nested deeper than `S3XMLParser.maxDepth`.
    public static func parse(_ data: Data) -> S3XMLElement? {
        S3XMLParser.parse([UInt8](data))
    }
}
