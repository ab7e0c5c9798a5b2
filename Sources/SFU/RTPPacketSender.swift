import RTP

/// Where the SFU sends packets: a client's transport, which encrypts and queues them.
///
/// The SFU never owns a socket; the MediaServer's `PeerTransport` implements this.
public protocol RTPPacketSender: AnyObject {
    /// Asks `write` to write one plaintext RTP packet of at most `maximumLength` bytes into the
    /// buffer it is given and return its length (0 to send nothing); the sender then protects and
    /// queues it. No allocation beyond the datagram buffer.
    func sendRTP(maximumLength: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int)

    /// Sends a compound RTCP packet.
    func sendRTCP(_ packets: [RTCPPacket])
}
