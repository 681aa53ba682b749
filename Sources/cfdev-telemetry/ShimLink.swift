import Foundation
import TelemetryRules

/// The `cf` shim's link in the shim folder: which links are this product's, placing one and
/// removing one, never anything that merely has its name.
///
/// A link is this installation's when it links to its shim (the same path, or the same file). A
/// link to a release's shim, `…/lib/cfdev-telemetry/bin/cf` (Scripts/install.sh's layout, whose
/// rule this is too), is another install's: `install-shim` moves it to this installation when
/// that install is in another prefix or gone, and `uninstall` removes it when it is gone.
/// Anything else (a file, a folder, a link to another `cf`) is the user's and is left.
enum ShimLink {
    enum Outcome: Equatable {
        case removed
        /// A link to a release's shim that is gone (its install removed by hand): the destination.
        case removedGone(String)
        case absent
        case notOurs(String)
    }

    enum Placement: Equatable {
        case linked
        case alreadyThere
        /// The link went to another release's shim: its destination, and whether that is gone.
        case replaced(String, gone: Bool)
    }

    /// Whether `destination` is where a release's install puts the shim: a `cf` in a
    /// `lib/cfdev-telemetry/bin` folder, in whatever prefix.
    static func isReleaseShim(_ destination: String) -> Bool {
        destination == releaseShimSuffix || destination.hasSuffix("/" + releaseShimSuffix)
    }

    private static let releaseShimSuffix = "lib/cfdev-telemetry/bin/cf"

    /// Unlinks `link` when it is a symbolic link to `shim` (the same path, or the same file), or
    /// to a release's shim that is gone.
    static func remove(_ link: String, ifItLinksTo shim: String) -> Outcome {
        switch FileKind(atPath: link) {
        case .absent: return .absent
        case .symbolicLink: break
        default: return .notOurs("it is not a link to the shim")
        }
        guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else {
            return .notOurs("its link cannot be read")
        }
        let gone = !links(link, to: shim, destination: destination) && isReleaseShim(destination) && isDangling(link)
        guard gone || links(link, to: shim, destination: destination) else {
            return .notOurs("it links to \(destination), not to this installation's shim \(shim)")
        }
        guard unlink(link) == 0 else { return .notOurs("it cannot be removed (\(String(cString: strerror(errno))))") }
        return gone ? .removedGone(destination) : .removed
    }

    /// Links `link` to `shim`. A link already there to `shim` stays; one to another release's
    /// shim, in another prefix or gone, is replaced in one rename; anything else is refused.
    static func place(_ link: String, to shim: String) throws -> Placement {
        switch FileKind(atPath: link) {
        case .absent:
            do {
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: shim)
            } catch {
                throw CommandFailure("cannot install \(link): \(error.localizedDescription)")
            }
            return .linked
        case .symbolicLink:
            guard let existing = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else {
                throw CommandFailure("\(link) is a link that cannot be read; remove it first")
            }
            if links(link, to: shim, destination: existing) { return .alreadyThere }
            let gone = isDangling(link)
            guard isReleaseShim(existing), gone || realPath(link).map(FileKind.init(atPath:)) == .regular else {
                throw CommandFailure("\(link) already links to \(existing); remove it first")
            }
            let temporary = link + ".new.\(getpid())"
            guard symlink(shim, temporary) == 0 else {
                throw CommandFailure("cannot install \(link): \(String(cString: strerror(errno)))")
            }
            guard rename(temporary, link) == 0 else {
                let reason = String(cString: strerror(errno))
                _ = unlink(temporary)
                throw CommandFailure("cannot install \(link): \(reason)")
            }
            return .replaced(existing, gone: gone)
        case .unknown:
            throw CommandFailure("cannot install \(link): it cannot be looked at")
        case .regular, .directory, .special:
            throw CommandFailure("\(link) exists and is not the shim; remove it first")
        }
    }

    private static func links(_ link: String, to shim: String, destination: String) -> Bool {
        if destination == shim { return true }
        guard let resolved = realPath(link) else { return false }
        return resolved == realPath(shim)
    }

    /// Whether the link's destination is gone: following it finds nothing.
    private static func isDangling(_ link: String) -> Bool {
        var info = stat()
        return stat(link, &info) != 0 && (errno == ENOENT || errno == ENOTDIR)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
