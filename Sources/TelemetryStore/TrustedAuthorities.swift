import Foundation
import NIOSSL
import TelemetryCore
import TelemetryRules

/// The certificate authorities a TLS connection to the store trusts, and where they came from.
///
/// The `ca_bundle` setting (`CFDEV_TELEMETRY_CA_BUNDLE`, `config.json`, the shipped defaults)
/// and, for the team's commands, `AWS_CA_BUNDLE` are the only CAs trusted when set, as curl's
/// `--cacert` and the AWS CLI take them. Otherwise as OpenSSL-based tools do: `SSL_CERT_FILE`
/// instead of the system's bundle, plus the folders of `SSL_CERT_DIR`; the system's bundle is
/// looked for where common distributions keep it (the release binary is static: no path is
/// compiled in). A file given is read here, bounded, and must hold PEM certificates: each
/// problem is one line naming the setting; a folder of `SSL_CERT_DIR` that does not is skipped.
package struct TrustedAuthorities: Sendable {
    /// What the TLS configuration trusts.
    let roots: NIOSSLTrustRoots
    /// Trusted as well (the folders of `SSL_CERT_DIR`).
    var additional: [NIOSSLAdditionalTrustRoots] = []
    /// `ca_bundle /path (12 certificates)`, `system store /etc/ssl/certs/ca-certificates.crt`.
    package private(set) var description: String

    init(roots: NIOSSLTrustRoots, description: String) {
        self.roots = roots
        self.description = description
    }

    /// The most a CA file may hold (a distribution's whole bundle is about 200 KiB).
    package static let maxFileBytes = 8 << 20
    /// The most files read from a CA folder, and the most bytes in all.
    package static let maxFolderFiles = 4096
    package static let maxFolderBytes = 32 << 20

    /// Where distributions keep the system's bundle (those of Go's `crypto/x509`).
    static let systemBundles = [
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Gentoo, Arch, Alpine
        "/etc/pki/tls/certs/ca-bundle.crt",  // Fedora, RHEL 6
        "/etc/ssl/ca-bundle.pem",  // openSUSE
        "/etc/pki/tls/cacert.pem",  // OpenELEC
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7
        "/etc/ssl/cert.pem",  // Alpine, macOS
    ]

    package static func resolve(
        caBundle: String?, environment: [String: String], audience: SettingsAudience
    ) throws -> TrustedAuthorities {
        if let caBundle, !caBundle.isEmpty { return try file(caBundle, named: "ca_bundle") }
        if audience == .team, let path = environment["AWS_CA_BUNDLE"], !path.isEmpty {
            return try file(path, named: "AWS_CA_BUNDLE")
        }
        var trust: TrustedAuthorities
        if let path = environment["SSL_CERT_FILE"], !path.isEmpty {
            trust = try file(path, named: "SSL_CERT_FILE")
        } else {
            trust = system()
        }
        if let list = environment["SSL_CERT_DIR"], !list.isEmpty {
            // A folder that is missing, unreadable or without certificates is skipped, as
            // OpenSSL and Go skip it (a profile script's list may name folders this machine lacks);
            // `doctor` shows it.
            for path in list.split(separator: ":").prefix(maxFolders).map(String.init) where !path.isEmpty {
                do {
                    let folder = try folder(path, named: "SSL_CERT_DIR")
                    trust.additional.append(.certificates(folder.certificates))
                    trust.description += ", \(folder.description)"
                } catch TelemetryError.configuration(let why) {
                    trust.description += ", \(why) (skipped)"
                }
            }
        }
        return trust
    }

    /// The most folders of `SSL_CERT_DIR` read.
    static let maxFolders = 8

    /// The system's store: the first bundle found, else NIOSSL's own default.
    static func system() -> TrustedAuthorities {
        for path in systemBundles {
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
                return TrustedAuthorities(roots: .file(path), description: "system store \(path)")
            }
        }
        return TrustedAuthorities(roots: .default, description: "system store (none found where distributions keep it)")
    }

    /// The PEM certificates of one file.
    static func file(_ path: String, named name: String) throws -> TrustedAuthorities {
        let shown = "\(name) \(DisplayText.sanitized(path, limit: 200))"
        let data: Data?
        do {
            data = try BoundedFileRead.contents(of: path, maxBytes: maxFileBytes)
        } catch TelemetryError.configuration(let why) {
            throw TelemetryError.configuration("\(name): \(DisplayText.sanitized(why, limit: 300))")
        }
        guard let data else { throw TelemetryError.configuration("\(shown): no such file") }
        let certificates = certificates(in: data)
        guard !certificates.isEmpty else {
            throw TelemetryError.configuration("\(shown): holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return TrustedAuthorities(roots: .certificates(certificates), description: "\(shown) (\(count(certificates)))")
    }

    /// The PEM certificates of the regular files in one folder (not its subfolders); files that
    /// hold none are skipped, as OpenSSL skips them.
    static func folder(_ path: String, named name: String) throws -> (certificates: [NIOSSLCertificate], description: String) {
        let shown = "\(name) \(DisplayText.sanitized(path, limit: 200))"
        guard let directory = opendir(path) else {
            throw TelemetryError.configuration("\(shown): not a readable folder (\(String(cString: strerror(errno))))")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while names.count < maxFolderFiles, let entry = readdir(directory) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if entryName != "." && entryName != ".." { names.append(entryName) }
        }
        var certificates: [NIOSSLCertificate] = []
        var total = 0
        var read: Set<String> = []
        for entryName in names.sorted() {
            // Links are followed (c_rehash names are links), but only to regular files, read
            // bounded, each file once however many names lead to it.
            let entry = path + "/" + entryName
            guard read.insert(OwnExecutable.resolve(entry) ?? entry).inserted,
                let data = try? BoundedFileRead.contents(of: entry, maxBytes: maxFileBytes)
            else { continue }
            total += data.count
            guard total <= maxFolderBytes else {
                throw TelemetryError.configuration("\(shown): more than \(maxFolderBytes >> 20) MiB of files")
            }
            certificates += Self.certificates(in: data)
        }
        guard !certificates.isEmpty else {
            throw TelemetryError.configuration("\(shown): holds no PEM certificate")
        }
        return (certificates, "\(shown) (\(count(certificates)))")
    }

    /// Every PEM certificate in `data`; none when it holds none or is not PEM.
    static func certificates(in data: Data) -> [NIOSSLCertificate] {
        guard data.range(of: Data("-----BEGIN CERTIFICATE-----".utf8)) != nil else { return [] }
        return (try? NIOSSLCertificate.fromPEMBytes(Array(data))) ?? []
    }

    static func count(_ certificates: [NIOSSLCertificate]) -> String {
        "\(certificates.count) certificate\(certificates.count == 1 ? "" : "s")"
    }
}
