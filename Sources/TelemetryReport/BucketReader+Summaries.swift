import TelemetryCore

/// The reader's side of a summarised span (`SpanPlan`): reading its new objects.
extension BucketReader {
    /// Reads the new objects of a summarised span (from their cached rows when they hold, else
    /// from the store, a few at a time): their partials in order, nil when one vanished meanwhile.
    func fetchNew(_ objects: [SpanPlan.NewObject], cache: ReportCache) async throws
        -> (partials: [ObjectPartial]?, fromCache: Int, cached: Set<String>)
    {
        var partials = [ObjectPartial?](repeating: nil, count: objects.count)
        var cached: Set<String> = []
        var vanished = false
        try await withThrowingTaskGroup(of: (Int, ObjectPartial?, Bool).self) { group in
            var next = 0
            func start() throws {
                let index = next, new = objects[index]
                next += 1
                let row = try cache.row(day: new.day, key: new.object.key).flatMap { $0.etag == new.object.etag ? $0 : nil }
                let client = self.client, retry = self.retry, limits = self.limits.forObject(new.object.key, layout: layout)
                let erasures = self.erasures, maxCompressedBytes = self.limits.maxCompressedBytes
                group.addTask {
                    if let row, let partial = cache.verified(row).flatMap(PartialCoding.decode) { return (index, partial, true) }
                    if new.object.size > Int64(maxCompressedBytes) { return (index, ObjectPartial.rejected(.tooLarge, storedBytes: 0), false) }
                    return (index, try await Self.fetch(new.object, day: new.day, client: client, retry: retry, limits: limits, erasures: erasures), false)
                }
            }
            while next < objects.count && next < concurrency { try start() }
            while let result = try await group.next() {
                let (index, partial, fromCache) = result
                if let partial {
                    partials[index] = partial
                    if fromCache { cached.insert(objects[index].object.key) }
                } else {
                    vanished = true
                }
                if next < objects.count { try start() }
            }
        }
        guard !vanished else { return (nil, 0, []) }
        return (partials.map { $0! }, cached.count, cached)
    }
}
