/// The distinct (event, OS, build, period) combinations the aggregator has seen, by dense index
/// in first-seen order (an atom names its combination by index).
struct CombinationTable {
    private(set) var values: [CellKey] = []
    private var indices: [CellKey: Int32] = [:]

    mutating func index(_ value: CellKey) -> Int32 {
        if let index = indices[value] { return index }
        let index = Int32(values.count)
        values.append(value)
        indices[value] = index
        return index
    }

    subscript(index: Int32) -> CellKey { values[Int(index)] }
}

/// One published breakdown (`ReportDimension.publishedGroupings`) over the aggregator's
/// combinations: each combination's cell, as a dense index, and each cell's key. Counting the
/// distinct machines of every cell is then one sweep over the atoms (sorted by machine) with two
/// integers per cell, instead of a set of machines per cell.
struct CellGrouping {
    let dimensions: [ReportDimension]
    /// Combination index → cell index.
    let cellOf: [Int32]
    /// Cell index → its key (-1 for "all" in the dimensions the breakdown does not have).
    let cells: [CellKey]

    init(_ dimensions: [ReportDimension], combinations: CombinationTable) {
        self.dimensions = dimensions
        let event = dimensions.contains(.event), os = dimensions.contains(.os)
        let build = dimensions.contains(.build), period = dimensions.contains(.period)
        var index: [CellKey: Int32] = [:]
        var cells: [CellKey] = []
        var cellOf: [Int32] = []
        cellOf.reserveCapacity(combinations.values.count)
        for combination in combinations.values {
            let key = CellKey(
                event: event ? combination.event : -1, os: os ? combination.os : -1, build: build ? combination.build : -1,
                period: period ? combination.period : -1)
            if let known = index[key] {
                cellOf.append(known)
            } else {
                index[key] = Int32(cells.count)
                cellOf.append(Int32(cells.count))
                cells.append(key)
            }
        }
        self.cellOf = cellOf
        self.cells = cells
    }

    /// Which cells hold at least one atom.
    func present(_ atoms: AtomList) -> [Bool] {
        var present = [Bool](repeating: false, count: cells.count)
        for index in 0..<atoms.count { present[Int(cellOf[Int(atoms.combination(index))])] = true }
        return present
    }

    /// Per cell, the distinct machines and the events of the atoms `included` admits. The atoms
    /// are sorted by machine, so a cell counts a machine when its last counted machine differs.
    func count(_ atoms: AtomList, included: (Int) -> Bool) -> (machines: [Int32], events: [Int]) {
        var distinct = [Int32](repeating: 0, count: cells.count)
        var events = [Int](repeating: 0, count: cells.count)
        var last = [Int32](repeating: -1, count: cells.count)
        for index in 0..<atoms.count where included(index) {
            let cell = Int(cellOf[Int(atoms.combination(index))])
            let machine = atoms.machine(index)
            if last[cell] != machine {
                last[cell] = machine
                distinct[cell] += 1
            }
            events[cell] += atoms.counts[index]
        }
        return (distinct, events)
    }
}
