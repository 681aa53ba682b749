import Foundation
import TelemetryCore
import Testing

@testable import TelemetryReport

/// The aggregator's report (dense atoms, one sweep per breakdown) against the report's plain
/// definition computed here with a set of machines per cell: label folding, the k rule repeated
/// until nothing changes, every row of every breakdown. Random communities, with more OS and
/// build values than the report shows, so that folding into `(other)` and cascades happen.
@Suite("Aggregation: the report equals its plain definition")
struct ReportOracleTests {
    struct Atom: Hashable {
        var event: String
        var os: String
        var build: String
        var period: String
        var machine: Int
    }

    struct Cell: Hashable {
        var event: String?
        var os: String?
        var build: String?
        var period: String?
    }

    /// The rows as the definition gives them (in the report's order).
    static func definition(_ events: [FixtureEvent], granularity: PeriodGranularity, k: Int, maxLabels: Int) -> [ReportRow] {
        var atoms: [Atom: Int] = [:]
        var seen: [String: Set<String>] = [:]
        for event in events where seen[event.day, default: []].insert(event.id).inserted {
            let period = granularity.key(for: CivilDate(event.day)!)
            atoms[Atom(event: event.event.rawValue, os: event.os, build: event.build, period: period, machine: event.machine), default: 0] += 1
        }
        // Folding: per dimension, the values past maxLabels (by machines, events, label) become (other).
        func folded(_ value: KeyPath<Atom, String>) -> [String: String] {
            var machines: [String: Set<Int>] = [:]
            var counts: [String: Int] = [:]
            for (atom, count) in atoms {
                machines[atom[keyPath: value], default: []].insert(atom.machine)
                counts[atom[keyPath: value], default: 0] += count
            }
            let ranked = machines.keys.sorted { a, b in
                if machines[a]!.count != machines[b]!.count { return machines[a]!.count > machines[b]!.count }
                if counts[a]! != counts[b]! { return counts[a]! > counts[b]! }
                return a.utf8.lexicographicallyPrecedes(b.utf8)
            }
            guard ranked.count > maxLabels else { return Dictionary(uniqueKeysWithValues: ranked.map { ($0, $0) }) }
            var map = Dictionary(uniqueKeysWithValues: ranked.map { ($0, LabelFolding.otherLabel) })
            for label in ranked.prefix(maxLabels) { map[label] = label }
            return map
        }
        let eventMap = folded(\.event), osMap = folded(\.os), buildMap = folded(\.build)
        var foldedAtoms: [Atom: Int] = [:]
        for (atom, count) in atoms {
            var atom = atom
            atom.event = eventMap[atom.event]!
            atom.os = osMap[atom.os]!
            atom.build = buildMap[atom.build]!
            foldedAtoms[atom, default: 0] += count
        }
        func cell(_ atom: Atom, _ grouping: [ReportDimension]) -> Cell {
            Cell(
                event: grouping.contains(.event) ? atom.event : nil, os: grouping.contains(.os) ? atom.os : nil,
                build: grouping.contains(.build) ? atom.build : nil, period: grouping.contains(.period) ? atom.period : nil)
        }
        var alive = Set(foldedAtoms.keys)
        var changed = true
        while changed {
            changed = false
            for grouping in ReportDimension.publishedGroupings {
                var machines: [Cell: Set<Int>] = [:]
                for atom in alive { machines[cell(atom, grouping), default: []].insert(atom.machine) }
                let small = alive.filter { machines[cell($0, grouping)]!.count < k }
                if !small.isEmpty {
                    alive.subtract(small)
                    changed = true
                }
            }
        }
        var rows: [ReportRow] = []
        for grouping in ReportDimension.publishedGroupings {
            var cells: [Cell: (events: Int, machines: Set<Int>)] = [:]
            for (atom, count) in foldedAtoms {
                let key = cell(atom, grouping)
                if cells[key] == nil { cells[key] = (0, []) }
                if alive.contains(atom) {
                    cells[key]!.events += count
                    cells[key]!.machines.insert(atom.machine)
                }
            }
            var groupRows = cells.map { key, value in
                var row = ReportRow(event: key.event, os: key.os, build: key.build, period: key.period)
                if value.machines.count >= k { row.counts = .init(events: value.events, machines: value.machines.count) }
                return row
            }
            groupRows.sort(by: ReportRow.publishedOrder)
            rows += groupRows
        }
        return rows
    }

    @Test(arguments: [11, 12, 13, 14, 15, 16])
    func reportEqualsTheDefinition(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let catalog: [EventName] = [.startBegin, .startEnd, .stop, .appCreated, .serviceCreated, .bosh, .error]
        let oses = (0..<9).map { "os \($0)" }
        let builds = (0..<6).map { "1.\($0).0" }
        var events: [FixtureEvent] = []
        for machine in 0..<(60 + Int(random.next() % 60)) {
            let os = oses[Int(random.next() % UInt64(machine % 3 == 0 ? oses.count : 3))]
            let build = builds[Int(random.next() % UInt64(builds.count))]
            for _ in 0..<Int(random.next() % 25) {
                let day = String(format: "2026-%02d-%02d", Int(random.next() % 3) + 1, Int(random.next() % 28) + 1)
                var event = FixtureEvent(event: catalog[Int(random.next() % UInt64(catalog.count))], day: day, machine: machine, os: os, build: build)
                if random.next() % 10 == 0, let copy = events.last, copy.day == day { event.id = copy.id }  // a copy
                events.append(event)
            }
        }
        // A period of two machines only: withheld, and with it their events everywhere.
        for machine in 0..<2 { events.append(FixtureEvent(event: .stop, day: "2026-04-02", machine: machine)) }
        events.sort { $0.day < $1.day }
        let k = 3 + Int(seed % 3)
        let maxLabels = 3 + Int(seed % 3)
        for granularity in [PeriodGranularity.month, .week] {
            var aggregator = UsageAggregator(granularity: granularity)
            for event in events { aggregator.ingest(event.parsed) }
            let range = try! ReportRange(from: "2026-01-01", to: "2026-03-31")
            let report = aggregator.report(range: range, k: k, maxLabels: maxLabels)
            let expected = Self.definition(events, granularity: granularity, k: k, maxLabels: maxLabels)
            #expect(report.rows == expected, "seed \(seed), by \(granularity)")
            #expect(report.rows.contains { $0.isSuppressed } && report.rows.contains { $0.os == LabelFolding.otherLabel })
        }
    }
}
