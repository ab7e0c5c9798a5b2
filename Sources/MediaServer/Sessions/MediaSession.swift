/// A WHIP publish or WHEP playback session on a worker: one transport and its SFU side.
protocol MediaSession: AnyObject {
    var id: String { get }
    var room: String { get }
    func tick(nowNanos: UInt64, wallClockUnixNanos: UInt64)
    func close(reason: String)
}
