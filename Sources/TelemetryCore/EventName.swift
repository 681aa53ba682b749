/// The catalog: the only events that are ever recorded; any other command passes through
/// untouched and unrecorded.
package enum EventName: String, CaseIterable, Sendable, Codable {
    case startBegin = "start_begin"
    case startEnd = "start_end"
    case error = "error"
    case stop = "stop"
    case uninstall = "uninstall"
    case appCreated = "app_created"
    case routeCreated = "route_created"
    case deployedService = "deployed_service"
    case serviceCreated = "service_created"
    case userProvidedServiceCreated = "user_provided_service_created"
    case appBoundToService = "app_bound_to_service"
    case appRestage = "app_restage"
    case orgCreated = "org_created"
    case spaceCreated = "space_created"
    case userCreated = "user_created"
    case bosh = "bosh"
    case telemetryOff = "telemetry_off"
}
