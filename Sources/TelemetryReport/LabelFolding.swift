/// Bounds the number of distinct values a report shows per labelled dimension. Every client can
/// write the bucket, so a flood of made-up OS or build values must not make a report of millions
/// of (withheld) rows: per dimension the `limit` values with the most machines (then most events,
/// then by label) are kept and every other value becomes `(other)` before the suppression rule
/// runs, so `(other)` is a cell like any other (published only with at least k machines).
public enum LabelFolding {
    /// The label that stands for the folded values; the report rejects it in uploaded events.
    public static let otherLabel = "(other)"
    public static let defaultLimit = 50

    /// `atoms` with the labels past `limit` in each dimension replaced by `(other)` (interned in
    /// the given interners) and the atoms that then coincide summed.
    static func fold(
        _ atoms: [Atom: Int], events: inout Interner, oses: inout Interner, builds: inout Interner, limit: Int
    ) -> [Atom: Int] {
        let eventMap = remap(atoms, \.event, &events, limit: limit)
        let osMap = remap(atoms, \.os, &oses, limit: limit)
        let buildMap = remap(atoms, \.build, &builds, limit: limit)
        guard eventMap != nil || osMap != nil || buildMap != nil else { return atoms }
        var folded: [Atom: Int] = [:]
        folded.reserveCapacity(atoms.count)
        for (atom, count) in atoms {
            var atom = atom
            if let eventMap { atom.event = eventMap[Int(atom.event)] }
            if let osMap { atom.os = osMap[Int(atom.os)] }
            if let buildMap { atom.build = buildMap[Int(atom.build)] }
            folded[atom, default: 0] += count
        }
        return folded
    }

    /// Old index → new index for one dimension, or nil when it has at most `limit` values.
    private static func remap(
        _ atoms: [Atom: Int], _ dimension: KeyPath<Atom, Int32>, _ interner: inout Interner, limit: Int
    ) -> [Int32]? {
        guard interner.values.count > limit else { return nil }
        var machines = [Set<Int32>](repeating: [], count: interner.values.count)
        var events = [Int](repeating: 0, count: interner.values.count)
        for (atom, count) in atoms {
            let index = Int(atom[keyPath: dimension])
            machines[index].insert(atom.machine)
            events[index] += count
        }
        let ranked = interner.values.indices.sorted { a, b in
            if machines[a].count != machines[b].count { return machines[a].count > machines[b].count }
            if events[a] != events[b] { return events[a] > events[b] }
            return interner.values[a].utf8.lexicographicallyPrecedes(interner.values[b].utf8)
        }
        let other = interner.index(otherLabel)
        var map = [Int32](repeating: other, count: interner.values.count)
        for index in ranked.prefix(limit) { map[index] = Int32(index) }
        return map
    }
}
