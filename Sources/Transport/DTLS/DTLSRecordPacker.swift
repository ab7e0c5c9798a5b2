/// Turns the bytes OpenSSL wrote into a memory BIO back into datagrams.
///
/// A memory BIO has no datagram boundaries, so one read returns a whole flight (several KB with
/// a certificate). OpenSSL already sized every record to fit the MTU, so we cut on DTLS record
/// headers (RFC 6347 §4.1: type(1) version(2) epoch(2) sequence(6) length(2)) and pack whole
/// consecutive records into datagrams of at most `mtu` bytes. Sending the flight as one
/// oversized datagram is what broke mediasoup and SRS against Chrome (INTEROP-NOTES §3).
enum DTLSRecordPacker {
    static let recordHeaderLength = 13

    static func pack(_ bytes: [UInt8], mtu: Int) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var current: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            var recordLength = remaining
            if remaining >= recordHeaderLength {
                let bodyLength = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
                recordLength = min(recordHeaderLength + bodyLength, remaining)
            }
            // A record that would overflow the current datagram starts a new one. A single record
            // larger than the MTU (OpenSSL never writes one) is still sent whole rather than cut.
            if !current.isEmpty && current.count + recordLength > mtu {
                datagrams.append(current)
                current = []
            }
            current.append(contentsOf: bytes[offset..<(offset + recordLength)])
            offset += recordLength
        }
        if !current.isEmpty { datagrams.append(current) }
        return datagrams
    }
}
