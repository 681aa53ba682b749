import TelemetryCore

/// The aggregator's side of the report cache's span summaries: recording what the objects of a
/// span add (`SpanRecorder`), turning it into a `SpanSummary`, and merging a summary back.
extension UsageAggregator {
    /// Starts recording what the objects merged next (all of `span`'s days) add. A span already
    /// entered (its day's earlier events would be missing) spoils the record.
    mutating func startRecording(_ span: DaySpan) {
        var recorder = SpanRecorder(span: span, maxEvents: maxRecordedEvents)
        if let partition, span.contains(partition) { recorder.spoil() }
        self.recorder = recorder
    }

    /// Notes that the object `key` (ETag `etag`) of `day` was merged while recording.
    mutating func recordObject(key: String, etag: String, day: CivilDate) {
        guard recorder != nil, !recorder!.spoiled else { return }
        guard recorder!.span.contains(day) else {
            recorder!.spoil()
            return
        }
        recorder!.objects.append(SpanSummary.Object(day: recorder!.span.offset(of: day), key: key, etag: etag))
    }

    /// Stops recording; the summary of what was merged since `startRecording`, or nil when
    /// nothing was recorded or the record is spoiled.
    mutating func finishRecording() -> SpanSummary? {
        guard var recorder = recorder else { return nil }
        self.recorder = nil
        recorder.flush()
        guard !recorder.spoiled else { return nil }
        var summary = SpanSummary(totals: recorder.totals, objects: recorder.objects, dayEvents: recorder.dayEvents)
        var labelIndex: [String: UInt32] = [:]
        func label(_ text: String) -> UInt32 {
            if let index = labelIndex[text] { return index }
            let index = UInt32(summary.labels.count)
            summary.labels.append(text)
            labelIndex[text] = index
            return index
        }
        var resolved: [Int32: (event: UInt32, os: UInt32, build: UInt32)] = [:]
        summary.atoms.reserveCapacity(recorder.atoms.count)
        recorder.atoms.forEach { key, count in
            let combination = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
            let machine = Int(truncatingIfNeeded: key >> 32)
            let labels: (event: UInt32, os: UInt32, build: UInt32)
            if let known = resolved[combination] {
                labels = known
            } else {
                let cell = combinations[combination]
                labels = (label(events[cell.event]), label(oses[cell.os]), label(builds[cell.build]))
                resolved[combination] = labels
            }
            summary.atoms.append(
                SpanSummary.Atom(machine: machineKeys[machine], event: labels.event, os: labels.os, build: labels.build, count: UInt64(count)))
        }
        return summary
    }

    /// Adds a summary of `span`'s objects (read by an earlier run) as if they were merged here;
    /// the partition being read is not touched (the span's days are not merged otherwise).
    mutating func merge(_ summary: SpanSummary, span: DaySpan) {
        summary.totals.apply(to: &statistics)
        let period = periods.index(granularity.key(for: span.first))
        var eventIndex = [Int32](repeating: -1, count: summary.labels.count)
        var osIndex = eventIndex, buildIndex = eventIndex
        var combinationOf: [UInt64: Int32] = [:]
        atoms.reserve(atoms.count + summary.atoms.count)
        for atom in summary.atoms {
            let triple = UInt64(atom.event) << 42 | UInt64(atom.os) << 21 | UInt64(atom.build)
            let combination: Int32
            if atom.event < 1 << 21, atom.os < 1 << 21, atom.build < 1 << 21, let known = combinationOf[triple] {
                combination = known
            } else {
                let event = events.index(atom.event, of: summary.labels, resolved: &eventIndex)
                let os = oses.index(atom.os, of: summary.labels, resolved: &osIndex)
                let build = builds.index(atom.build, of: summary.labels, resolved: &buildIndex)
                combination = combinations.index(CellKey(event: event, os: os, build: build, period: period))
                if atom.event < 1 << 21, atom.os < 1 << 21, atom.build < 1 << 21 { combinationOf[triple] = combination }
            }
            atoms.add(AtomTable.key(machine: machineIndex(atom.machine), combination: combination), Int(atom.count))
        }
    }
}
