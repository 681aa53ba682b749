/// The aggregator's counters: one per distinct (combination of labels and period, machine) — an
/// "atom" — keyed by `machine << 32 | combination`, both dense indices the aggregator assigns.
/// Open addressing with linear probing in two flat arrays (16 bytes a slot, at most 3/4 full),
/// so an event costs a multiply and a probe or two, and memory grows with the atoms only.
struct AtomTable {
    /// Keys plus one (0 marks a free slot).
    private var keys: [UInt64]
    private var counts: [Int]
    private var shift: UInt64
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 1024)
        counts = Array(repeating: 0, count: 1024)
        shift = 64 - 10
    }

    static func key(machine: Int32, combination: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: machine)) << 32 | UInt64(UInt32(bitPattern: combination))
    }

    /// Adds `amount` to the atom's count.
    mutating func add(_ key: UInt64, _ amount: Int = 1) {
        if (count + 1) * 4 > keys.count * 3 { grow() }
        let stored = key &+ 1
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (stored &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let found = keys[slot]
            if found == stored {
                counts[slot] += amount
                return
            }
            if found == 0 {
                keys[slot] = stored
                counts[slot] = amount
                count += 1
                return
            }
            slot = (slot + 1) & mask
        }
    }

    /// Every atom, sorted by key: a machine's atoms together, machines in index order.
    func sorted() -> AtomList {
        var pairs: [(key: UInt64, count: Int)] = []
        pairs.reserveCapacity(count)
        for slot in keys.indices where keys[slot] != 0 { pairs.append((keys[slot] - 1, counts[slot])) }
        pairs.sort { $0.key < $1.key }
        return AtomList(keys: pairs.map(\.key), counts: pairs.map(\.count))
    }

    private mutating func grow() {
        let oldKeys = keys, oldCounts = counts
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        counts = Array(repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for slot in oldKeys.indices where oldKeys[slot] != 0 { add(oldKeys[slot] - 1, oldCounts[slot]) }
    }
}

/// The atoms as two parallel arrays sorted by key (so by machine), for the report's passes:
/// counting distinct machines per cell is then one sweep with no set per cell.
struct AtomList {
    var keys: [UInt64]
    var counts: [Int]

    var count: Int { keys.count }
    func machine(_ index: Int) -> Int32 { Int32(truncatingIfNeeded: keys[index] >> 32) }
    func combination(_ index: Int) -> Int32 { Int32(truncatingIfNeeded: keys[index] & 0xFFFF_FFFF) }
}
