/// A set of event hashes (the first 64 bits of SHA-256 of event IDs), for de-duplication: open
/// addressing with linear probing in one flat array, no per-insert allocation. The slot is taken
/// from the hash mixed with a random per-process key, so IDs ground to share low bits do not
/// pile up in one run of slots. Holds at most half its capacity: 16 bytes per hash at most.
struct EventHashSet {
    private var slots: [UInt64]
    private var containsZero = false
    private(set) var count = 0
    private var shift: UInt64

    /// The per-process key of the slot mixing: random.
    private static let processKey = UInt64.random(in: 0...UInt64.max)
    private let key = EventHashSet.processKey

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: 0, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Adds `hash`; false when it was already there.
    mutating func insert(_ hash: UInt64) -> Bool {
        if hash == 0 {
            defer { containsZero = true }
            if containsZero { return false }
            count += 1
            return true
        }
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: ((hash ^ key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        var inserted = false
        while true {
            let stored = slots[slot]
            if stored == hash { break }
            if stored == 0 {
                slots[slot] = hash
                inserted = true
                break
            }
            slot = (slot + 1) & mask
        }
        if inserted { count += 1 }
        return inserted
    }

    /// Whether `hash` is in the set.
    func contains(_ hash: UInt64) -> Bool {
        if hash == 0 { return containsZero }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: ((hash ^ key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let stored = slots[slot]
            if stored == hash { return true }
            if stored == 0 { return false }
            slot = (slot + 1) & mask
        }
    }

    /// Empties the set, keeping its capacity.
    mutating func removeAll() {
        if count > 0 {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        containsZero = false
        count = 0
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        let zero = containsZero
        count = 0
        containsZero = false
        for hash in old where hash != 0 { _ = insert(hash) }
        if zero { _ = insert(0) }
    }
}
