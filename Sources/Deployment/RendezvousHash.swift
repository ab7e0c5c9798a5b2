/// Rendezvous (highest-random-weight) hashing: every node gets a weight for a key, and the key
/// goes to the node with the highest weight (Thaler & Ravishankar, 1998).
///
/// Why this and not "hash mod node count": every process computes the same order from the same
/// inputs with no coordination, and when a node disappears only the keys it ranked first move;
/// every other key keeps its node.
///
/// The hash is FNV-1a 64 followed by a 64-bit finalizer, never Swift's `Hasher`, which is seeded
/// per process and would send one room to different nodes from different processes.
public enum RendezvousHash {
    /// FNV-1a, 64-bit (http://www.isthe.com/chongo/tech/comp/fnv/).
    public static func fnv1a64<Bytes: Sequence<UInt8>>(_ bytes: Bytes, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The weight of `node` for `key`. 0xff separates the two strings (it never occurs in
    /// UTF-8), so ("ab", "c") and ("a", "bc") differ. FNV-1a alone mixes its last bytes
    /// poorly, so the result goes through MurmurHash3's fmix64 finalizer.
    public static func weight(key: String, node: String) -> UInt64 {
        var hash = fnv1a64(key.utf8)
        hash = fnv1a64(CollectionOfOne(0xff), seed: hash)
        hash = fnv1a64(node.utf8, seed: hash)
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }

    /// `nodes` ordered from the most to the least preferred for `key` (ties, practically
    /// impossible, by id so the order is total).
    public static func rank(_ nodes: [String], for key: String) -> [String] {
        nodes
            .map { (id: $0, weight: weight(key: key, node: $0)) }
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.id < $1.id }
            .map(\.id)
    }
}
