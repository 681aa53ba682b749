import ArgumentParser

/// The team's commands' choice of AWS profile (`report`, `compact`, `retention`,
/// `doctor --role`): the client side's uploads never read `~/.aws`.
struct TeamOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "AWS profile of ~/.aws/config and ~/.aws/credentials to take the credentials (and region) from, before any AWS_* keys (else AWS_PROFILE, after them).",
            valueName: "name"))
    var profile: String?
}
