/// Bounds the number of distinct values a report shows per labelled dimension. Every client can
/// write the bucket, so a flood of made-up OS or build values must not make a report of millions
/// of (withheld) rows: per dimension the `limit` values with the most machines (then most events,
/// then by label) are kept and every other value becomes `(other)` before the suppression rule
/// runs, so `(other)` is a cell like any other (published only with at least k machines).
package enum LabelFolding {
    /// The label that stands for the folded values; the report rejects it in uploaded events.
    package static let otherLabel = "(other)"
    package static let defaultLimit = 50

    /// `atoms` (sorted by key) with the labels past `limit` in each dimension replaced by
    /// `(other)` (interned in the given interners, the new combinations in `combinations`) and
    /// the atoms that then coincide summed; sorted by key again.
    static func fold(
        _ atoms: AtomList, combinations: inout CombinationTable, events: inout Interner, oses: inout Interner,
        builds: inout Interner, limit: Int
    ) -> AtomList {
        let eventMap = remap(atoms, combinations, \.event, &events, limit: limit)
        let osMap = remap(atoms, combinations, \.os, &oses, limit: limit)
        let buildMap = remap(atoms, combinations, \.build, &builds, limit: limit)
        guard eventMap != nil || osMap != nil || buildMap != nil else { return atoms }
        var combinationMap: [Int32] = []
        combinationMap.reserveCapacity(combinations.values.count)
        for var combination in combinations.values {
            if let eventMap { combination.event = eventMap[Int(combination.event)] }
            if let osMap { combination.os = osMap[Int(combination.os)] }
            if let buildMap { combination.build = buildMap[Int(combination.build)] }
            combinationMap.append(combinations.index(combination))
        }
        var folded = AtomTable()
        for index in 0..<atoms.count {
            let combination = combinationMap[Int(atoms.combination(index))]
            folded.add(AtomTable.key(machine: atoms.machine(index), combination: combination), atoms.counts[index])
        }
        return folded.sorted()
    }

    /// Old index → new index for one dimension, or nil when it has at most `limit` values.
    private static func remap(
        _ atoms: AtomList, _ combinations: CombinationTable, _ dimension: KeyPath<CellKey, Int32>, _ interner: inout Interner,
        limit: Int
    ) -> [Int32]? {
        guard interner.values.count > limit else { return nil }
        // Distinct machines per value: the atoms are sorted by machine.
        var machines = [Int](repeating: 0, count: interner.values.count)
        var last = [Int32](repeating: -1, count: interner.values.count)
        var events = [Int](repeating: 0, count: interner.values.count)
        for atom in 0..<atoms.count {
            let index = Int(combinations[atoms.combination(atom)][keyPath: dimension])
            let machine = atoms.machine(atom)
            if last[index] != machine {
                last[index] = machine
                machines[index] += 1
            }
            events[index] += atoms.counts[atom]
        }
        let ranked = interner.values.indices.sorted { a, b in
            if machines[a] != machines[b] { return machines[a] > machines[b] }
            if events[a] != events[b] { return events[a] > events[b] }
            return interner.values[a].utf8.lexicographicallyPrecedes(interner.values[b].utf8)
        }
        let other = interner.index(otherLabel)
        var map = [Int32](repeating: other, count: interner.values.count)
        for index in ranked.prefix(limit) { map[index] = Int32(index) }
        return map
    }
}
