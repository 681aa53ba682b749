enum _PlaceholderShimKit {}
