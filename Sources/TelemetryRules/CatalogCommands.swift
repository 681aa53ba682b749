import Platform

/// A command of the catalog, as the user types it: the one table of command words that the
/// shim's front filters on and the classifier maps from. Adding a case here makes the
/// classifier's exhaustive `switch` fail to compile until it says what the command records.
package enum CatalogCommand: Sendable, CaseIterable {
    case push, createRoute, createService, createUserProvidedService, bindService, restage
    case createOrg, createSpace, createUser
    /// `cf uninstall-plugin cfdev` (recorded only for the cfdev plugin).
    case uninstallPlugin
    /// `CLI-MESSAGE-UNINSTALL`: what the CF CLI runs inside a plugin being uninstalled.
    case uninstallMessage

    /// The words that name it: the command, then the CF CLI's aliases.
    package var words: [String] {
        switch self {
        case .push: return ["push", "p"]
        case .createRoute: return ["create-route"]
        case .createService: return ["create-service", "cs"]
        case .createUserProvidedService: return ["create-user-provided-service", "cups"]
        case .bindService: return ["bind-service", "bs"]
        case .restage: return ["restage", "rg"]
        case .createOrg: return ["create-org", "co"]
        case .createSpace: return ["create-space", "csp"]
        case .createUser: return ["create-user"]
        case .uninstallPlugin: return ["uninstall-plugin"]
        case .uninstallMessage: return ["CLI-MESSAGE-UNINSTALL"]
        }
    }
}

/// A `cf dev` subcommand of the catalog.
package enum CatalogDevCommand: String, Sendable, CaseIterable {
    case start
    case stop
    case deployService = "deploy-service"
    case bosh
}

/// Finding a catalog command by the word typed. (A linear search of a few words: the shim's
/// front looks before every command, and building a dictionary costs more than the search.)
package enum CatalogCommands {
    /// The word after `cf` that leads to the `cf dev` subcommands.
    package static let devWord = "dev"
    /// `cf dev telemetry`: the shim's own command, never passed to the real `cf`.
    package static let telemetrySubcommand = "telemetry"

    /// The catalog command `word` names (exact case, as the CF CLI matches), if any.
    package static func command(named word: String) -> CatalogCommand? {
        for command in CatalogCommand.allCases where command.words.contains(word) { return command }
        return nil
    }

    /// The `cf dev` subcommand `word` names, if any.
    package static func devCommand(named word: String) -> CatalogDevCommand? {
        CatalogDevCommand(rawValue: word)
    }
}
