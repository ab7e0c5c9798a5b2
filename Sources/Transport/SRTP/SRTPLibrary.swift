import CSRTP

/// libsrtp's global crypto kernel must be initialised exactly once per process.
/// A Swift global `let` is initialised lazily under `swift_once`, so this is thread-safe.
private let srtpInitStatus: Int32 = Int32(bitPattern: UInt32(srtp_init().rawValue))

enum SRTPLibrary {
    /// Initialises libsrtp on first call; later calls return the cached result.
    static func ensureInitialized() throws(SRTPError) {
        let status = srtpInitStatus
        guard status == 0 else { throw .libraryInitFailed(code: status) }
    }
}
