/// The suppression rule (k-anonymity with a common population).
///
/// A cell of any published breakdown that counts fewer than `k` distinct machines is withheld,
/// and so are its events *everywhere*: they are left out of every other cell and every total.
/// Removing them can bring other cells under `k`, so the rule is applied until nothing changes.
/// At that point every published number is a sum over one common population in which every cell
/// of every breakdown has at least `k` machines, so no sum or difference of published numbers
/// can contain any part of a withheld cell (totals are exactly the sums of their published parts).
enum KAnonymity {
    /// For each atom, whether it survives (is counted in the published numbers). The breakdowns
    /// are applied in order, each on what the ones before left, until a whole round changes nothing.
    static func surviving(atoms: AtomList, groupings: [CellGrouping], k: Int) -> [Bool] {
        var alive = [Bool](repeating: true, count: atoms.count)
        var changed = true
        while changed {
            changed = false
            for grouping in groupings {
                let machines = grouping.count(atoms) { alive[$0] }.machines
                for index in 0..<atoms.count where alive[index] && machines[Int(grouping.cellOf[Int(atoms.combination(index))])] < k {
                    alive[index] = false
                    changed = true
                }
            }
        }
        return alive
    }
}
