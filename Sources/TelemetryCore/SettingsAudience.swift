/// Whose command the settings are resolved for.
///
/// The client side (the shim's background flush, `flush`, the final flush of `off`, `doctor`,
/// `status`) answers only to telemetry settings: flags, `CFDEV_TELEMETRY_*` variables, the
/// user's `config.json` and the shipped defaults. The general `AWS_*` variables belong to the
/// user's own AWS work: with them an upload would name the user to the team's bucket. The team's
/// commands (`report`, `compact`, `retention`) run as the team's own AWS identity and also read
/// them, after the telemetry variables.
package enum SettingsAudience: Sendable {
    case client
    case team
}
