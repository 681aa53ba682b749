/// The command words that can map to a catalog event: what the shim's front lets through
/// to the recorder (everything else is `exec`ed at once), and what the classifier maps
/// exactly. A test checks that every command the classifier tracks is in these lists.
/// (Plain arrays: the shim's front searches them before every command, and a `Set` costs
/// more to build than a search of a few words.)
public enum CatalogCommands {
    /// `cf` commands (not `cf dev …`) of the catalog, with their CLI aliases.
    public static let commands: [String] = [
        "push", "p", "create-route", "create-service", "cs", "create-user-provided-service", "cups",
        "bind-service", "bs", "restage", "rg", "create-org", "co", "create-space", "csp", "create-user",
        "uninstall-plugin", "CLI-MESSAGE-UNINSTALL",
    ]
    /// `cf dev` subcommands that are recorded.
    public static let devSubcommands: [String] = ["start", "stop", "deploy-service", "bosh"]
    /// `cf dev telemetry`: the shim's own command, never passed to the real `cf`.
    public static let telemetrySubcommand = "telemetry"
}
