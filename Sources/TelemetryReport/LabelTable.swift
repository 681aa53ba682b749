import Foundation

/// An object's labels (event names, OSes, builds) by their bytes, so that a line's labels are
/// looked up without making strings: index `i` is `ObjectPartial.labels[i]`. Hashed with the
/// standard library's per-process seeded hasher (labels are written by clients: a chosen flood
/// must not make every lookup probe the whole table). Each label also records which checks it
/// passed when it was interned for an event's field, so a label seen before is not checked again.
struct LabelTable {
    /// What an interned label was checked as.
    enum Role: UInt8 {
        /// A valid event name of the catalog.
        case event = 1
        /// A valid OS or build label.
        case label = 2
    }

    /// A lookup's result: the label's index when present, and the hash to insert it with.
    struct Lookup {
        var index: UInt32?
        var hash: Int
    }

    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [Int] = []
    private var roles: [UInt8] = []

    var count: Int { hashes.count }

    func find(_ label: UnsafeRawBufferPointer) -> Lookup {
        var hasher = Hasher()
        hasher.combine(bytes: label)
        let hash = hasher.finalize()
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let index = slots[slot]
            if index < 0 { return Lookup(index: nil, hash: hash) }
            if hashes[Int(index)] == hash && equals(Int(index), label) { return Lookup(index: UInt32(index), hash: hash) }
            slot = (slot + 1) & mask
        }
    }

    private func equals(_ index: Int, _ label: UnsafeRawBufferPointer) -> Bool {
        let start = starts[index], end = starts[index + 1]
        guard end - start == label.count else { return false }
        return bytes.withUnsafeBytes { stored in
            label.isEmpty || memcmp(stored.baseAddress! + start, label.baseAddress!, label.count) == 0
        }
    }

    /// Adds a label known to be absent (`find` gave `hash`) as index `index` (the next one).
    mutating func insert(_ label: UnsafeRawBufferPointer, hash: Int, index: UInt32, _ role: Role?) {
        precondition(Int(index) == hashes.count)
        bytes.append(contentsOf: label)
        starts.append(bytes.count)
        hashes.append(hash)
        roles.append(role?.rawValue ?? 0)
        if hashes.count * 2 > slots.count {
            rehash(capacity: slots.count * 2)
        } else {
            place(Int(index))
        }
    }

    func has(_ index: UInt32, _ role: Role) -> Bool { roles[Int(index)] & role.rawValue != 0 }

    mutating func mark(_ index: UInt32, _ role: Role) { roles[Int(index)] |= role.rawValue }

    /// Forgets every label from index `count` on.
    mutating func keepFirst(_ count: Int) {
        guard count < hashes.count else { return }
        bytes.removeSubrange(starts[count]...)
        starts.removeSubrange((count + 1)...)
        hashes.removeSubrange(count...)
        roles.removeSubrange(count...)
        rehash(capacity: slots.count)
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = hashes[index] & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index)
    }

    private mutating func rehash(capacity: Int) {
        slots = Array(repeating: -1, count: capacity)
        for index in hashes.indices { place(index) }
    }
}
