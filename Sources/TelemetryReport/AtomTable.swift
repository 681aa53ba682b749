/// The aggregator's counters: one per distinct (combination of labels and period, machine) — an
/// "atom" — keyed by `machine << 32 | combination`, both dense indices the aggregator assigns.
/// Open addressing with linear probing in one flat array of (key, count) pairs (16 bytes a slot,
/// at most 3/4 full), so an event costs a multiply and, nearly always, one cache line; memory
/// grows with the atoms only.
struct AtomTable {
    /// Slot `i` is `pairs[2 i]` (its key plus one; 0 marks a free slot) and `pairs[2 i + 1]`
    /// (its count).
    private var pairs: [UInt64]
    private var shift: UInt64
    private(set) var count = 0

    private var capacity: Int { pairs.count / 2 }

    init() {
        pairs = Array(repeating: 0, count: 2 * 1024)
        shift = 64 - 10
    }

    static func key(machine: Int32, combination: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: machine)) << 32 | UInt64(UInt32(bitPattern: combination))
    }

    /// Makes room for `count` atoms in all (no rehash until there are more).
    mutating func reserve(_ count: Int) {
        while count * 4 > capacity * 3 { grow() }
    }

    /// Adds `amount` to the atom's count.
    mutating func add(_ key: UInt64, _ amount: Int = 1) {
        if (count + 1) * 4 > capacity * 3 { grow() }
        let stored = key &+ 1
        let mask = capacity - 1
        var slot = Int(truncatingIfNeeded: (stored &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let added = pairs.withUnsafeMutableBufferPointer { pairs -> Bool in
            while true {
                let found = pairs[2 &* slot]
                if found == stored {
                    pairs[2 &* slot &+ 1] &+= UInt64(bitPattern: Int64(amount))
                    return false
                }
                if found == 0 {
                    pairs[2 &* slot] = stored
                    pairs[2 &* slot &+ 1] = UInt64(bitPattern: Int64(amount))
                    return true
                }
                slot = (slot &+ 1) & mask
            }
        }
        if added { count += 1 }
    }

    /// Calls `body` with every atom's key and count, in no order.
    func forEach(_ body: (UInt64, Int) -> Void) {
        for slot in 0..<capacity where pairs[2 * slot] != 0 {
            body(pairs[2 * slot] - 1, Int(Int64(bitPattern: pairs[2 * slot + 1])))
        }
    }

    /// Every atom, sorted by key: a machine's atoms together, machines in index order.
    func sorted() -> AtomList {
        var pairs: [(key: UInt64, count: Int)] = []
        pairs.reserveCapacity(count)
        for slot in 0..<capacity where self.pairs[2 * slot] != 0 {
            pairs.append((self.pairs[2 * slot] - 1, Int(Int64(bitPattern: self.pairs[2 * slot + 1]))))
        }
        pairs.sort { $0.key < $1.key }
        return AtomList(keys: pairs.map(\.key), counts: pairs.map(\.count))
    }

    private mutating func grow() {
        let old = pairs
        pairs = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        count = 0
        for slot in 0..<(old.count / 2) where old[2 * slot] != 0 {
            add(old[2 * slot] - 1, Int(Int64(bitPattern: old[2 * slot + 1])))
        }
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
