import Foundation
import TelemetryCore

/// The AWS CLI's shared files, as the SDKs read them: `~/.aws/credentials` (sections `[name]`)
/// and `~/.aws/config` (sections `[profile name]`, and `[default]`; a bare `[name]` there is
/// not a profile), or the files named by `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`.
/// Each is read bounded (`maxFileBytes`); a missing file is an empty one. A profile's settings
/// are its config-file section with its credentials-file section on top.
package struct AWSSharedConfig: Sendable {
    /// The most either file may hold.
    package static let maxFileBytes = 1 << 20

    package let credentialsPath: String
    package let configPath: String
    let credentialsSections: [String: [String: String]]
    let configSections: [String: [String: String]]

    /// Reads both files; a file that is there but unreadable, not a regular file or too large
    /// is a one-line error naming it.
    package init(environment: [String: String]) throws {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func path(_ variable: String, _ fallback: String) -> String {
            guard let value = environment[variable], !value.isEmpty else { return home + "/.aws/" + fallback }
            return value.hasPrefix("~/") ? home + value.dropFirst() : value
        }
        credentialsPath = path("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        configPath = path("AWS_CONFIG_FILE", "config")
        credentialsSections = try Self.read(credentialsPath)
        configSections = try Self.read(configPath)
    }

    /// The settings of profile `name` (keys lower-cased), or nil when neither file has it.
    package func profile(_ name: String) -> AWSProfile? {
        let configName = name == "default" ? "default" : "profile " + name
        let fromConfig = configSections[configName]
        let fromCredentials = credentialsSections[name]
        if fromConfig == nil && fromCredentials == nil { return nil }
        let settings = (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { _, credentials in credentials }
        return AWSProfile(name: name, settings: settings, credentialsFileHasKeys: fromCredentials?["aws_access_key_id"] != nil)
    }

    /// Why profile `name` was not found, in one line (naming both files, and the config
    /// file's `[name]` that should be `[profile name]`).
    package func missingProfile(_ name: String) -> String {
        var text = "profile \"\(DisplayText.sanitized(name, limit: 60))\" is in neither \(DisplayText.sanitized(credentialsPath)) nor \(DisplayText.sanitized(configPath))"
        if name != "default" && configSections[name] != nil {
            text += " (the config file has [\(DisplayText.sanitized(name, limit: 60))]: there it must be written [profile \(DisplayText.sanitized(name, limit: 60))])"
        }
        return text
    }

    static func read(_ path: String) throws -> [String: [String: String]] {
        guard let data = try BoundedFileRead.contents(of: path, maxBytes: maxFileBytes) else { return [:] }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// INI as botocore reads it: `[section]`, `key = value` (or `key: value`); lines starting
    /// with `#` or `;` are comments; indented lines continue the key before them (nested
    /// settings such as `s3 =`), which this reader skips. Later keys win.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    current = nil
                    continue
                }
                let name = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            sections[section]?[key] = value
        }
        return sections
    }
}

/// One profile's settings (`region`, `aws_access_key_id`, `role_arn`, `source_profile`,
/// `credential_process`, `web_identity_token_file`, …), keys lower-cased.
package struct AWSProfile: Sendable, Equatable {
    package let name: String
    package let settings: [String: String]
    /// Whether the keys come from the credentials file (named as the source).
    let credentialsFileHasKeys: Bool

    /// A setting's value, nil when absent or empty.
    package subscript(_ key: String) -> String? {
        guard let value = settings[key], !value.isEmpty else { return nil }
        return value
    }

    /// `profile "ci"`.
    package var label: String { "profile \"\(DisplayText.sanitized(name, limit: 60))\"" }
}
