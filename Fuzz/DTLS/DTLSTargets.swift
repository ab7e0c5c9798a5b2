import FuzzSupport

/// `dtls-record`: one datagram classified as DTLS (first byte 20–63, RFC 7983) reaching a DTLS
/// server waiting for a ClientHello, and a client that has sent one; then the same bytes as a
/// flight our record packer cuts into datagrams. OpenSSL parses the records (it is not
/// instrumented, so coverage comes from our side of it); the sessions must never report a
/// connection from one datagram, and the packer must neither lose nor add a byte.
public let dtlsTargets = [FuzzTarget("dtls-record", fuzzDTLSRecord)]

// Generating a key pair per input would cost more than everything else here together.
private let certificate: DTLSCertificate = {
    do { return try DTLSCertificate.generateSelfSigned(commonName: "fuzz") } catch { fatalError("\(error)") }
}()

private func fuzzDTLSRecord(_ data: UnsafeRawBufferPointer) {
    for role in [DTLSRole.server, .client] {
        guard let session = try? DTLSSession(role: role, certificate: certificate, remoteFingerprint: nil) else {
            fatalError("DTLSSession(\(role)) failed")
        }
        if role == .client { _ = session.start(nowNanos: 0) }
        let output = session.receive(data, nowNanos: 1_000_000)
        require(!session.isConnected, "\(role) connected after one datagram")
        require(output.datagrams.allSatisfy { $0.count <= session.mtu }, "\(role) answered with a datagram over its MTU")
        for event in output.events {
            if case .connected = event { fatalError("\(role) reported connected after one datagram") }
        }
    }

    let flight = Array(data)
    for mtu in [1200, 64] {
        let datagrams = DTLSRecordPacker.pack(flight, mtu: mtu)
        require(Array(datagrams.joined()) == flight, "packing at MTU \(mtu) lost or added bytes")
        for datagram in datagrams where datagram.count > mtu {
            // Only a record larger than the MTU on its own may exceed it.
            let declared = datagram.count >= DTLSRecordPacker.recordHeaderLength
                ? DTLSRecordPacker.recordHeaderLength + (Int(datagram[11]) << 8 | Int(datagram[12])) : datagram.count
            require(declared >= datagram.count, "a \(datagram.count)-byte datagram of several records")
        }
    }
}
