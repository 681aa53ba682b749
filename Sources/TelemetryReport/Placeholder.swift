enum _PlaceholderTelemetryReport {}
