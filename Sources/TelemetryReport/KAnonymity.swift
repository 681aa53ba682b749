/// The suppression rule (k-anonymity with a common population).
///
/// A cell of any published breakdown that counts fewer than `k` distinct machines is withheld,
/// and so are its events *everywhere*: they are left out of every other cell and every total.
/// Removing them can bring other cells under `k`, so the rule is applied until nothing changes.
/// At that point every published number is a sum over one common population in which every cell
/// of every breakdown has at least `k` machines, so no sum or difference of published numbers
/// can contain any part of a withheld cell (totals are exactly the sums of their published parts).
enum KAnonymity {
    /// For each atom, whether it survives (is counted in the published numbers).
    static func surviving(atoms: [Atom], groupings: [[ReportDimension]], k: Int) -> [Bool] {
        var alive = [Bool](repeating: true, count: atoms.count)
        var changed = true
        while changed {
            changed = false
            for grouping in groupings {
                var machines: [CellKey: Set<Int32>] = [:]
                for (index, atom) in atoms.enumerated() where alive[index] {
                    machines[atom.cell(grouping), default: []].insert(atom.machine)
                }
                let small = Set(machines.filter { $0.value.count < k }.keys)
                guard !small.isEmpty else { continue }
                for (index, atom) in atoms.enumerated() where alive[index] && small.contains(atom.cell(grouping)) {
                    alive[index] = false
                    changed = true
                }
            }
        }
        return alive
    }
}
