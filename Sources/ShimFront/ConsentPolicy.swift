/// The version of what the user is asked to agree to. Bump it when what is collected
/// changes: everyone is asked again on their next `cf dev start`.
public enum ConsentPolicy {
    public static let version = 1
}
