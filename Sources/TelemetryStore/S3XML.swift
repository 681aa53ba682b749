#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed XML element of an S3 response: name (namespace prefix dropped), text, children.
package struct S3XMLElement: Sendable, Equatable {
    package var name: String
    package var text: String
    package var children: [S3XMLElement]

    package init(name: String, text: String, children: [S3XMLElement]) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first direct child with that name.
    package func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }

    /// All direct children with that name.
    package func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

    /// The text of the first direct child with that name.
    package func text(of name: String) -> String? { child(name)?.text }

    /// Parses a whole document; nil when it is not well-formed XML, not UTF-8, larger than
    /// `S3XMLParser.maxBytes` or nested deeper than `S3XMLParser.maxDepth`.
    package static func parse(_ data: Data) -> S3XMLElement? {
        S3XMLParser.parse([UInt8](data))
    }
}
