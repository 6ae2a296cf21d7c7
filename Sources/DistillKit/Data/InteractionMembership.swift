/// O(1) "has user u interacted with item i?" for negative sampling: a users x items bitset when it
/// fits in `maxBits` (binary search in the CSR row mispredicts too often), the sorted row otherwise.
public struct InteractionMembership: Sendable {
    public static let maxBits = 1 << 28   // 32 MiB
    private let data: Interactions
    private let bits: [UInt64]

    public init(_ data: Interactions) {
        self.data = data
        let total = data.userCount * data.itemCount
        guard total <= Self.maxBits else { bits = []; return }
        var b = [UInt64](repeating: 0, count: (total + 63) / 64)
        for u in 0..<data.userCount {
            for i in data.row(u) { let k = u * data.itemCount + Int(i); b[k >> 6] |= 1 << UInt64(k & 63) }
        }
        bits = b
    }

    @inlinable public func contains(user u: Int, item i: Int32) -> Bool { lookup(u, i) }

    @usableFromInline func lookup(_ u: Int, _ i: Int32) -> Bool {
        if bits.isEmpty { return data.contains(user: u, item: i) }
        let k = u * data.itemCount + Int(i)
        return bits.withUnsafeBufferPointer { ($0[k >> 6] >> UInt64(k & 63)) & 1 == 1 }
    }
}
