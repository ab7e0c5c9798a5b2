import FuzzSupport

/// `signaling`: one WebSocket text frame from a browser on `/rtc`, decoded and validated. Every
/// frame gets a message or an error to send back, and an error names a documented code.
public let signalingTargets = [FuzzTarget("signaling", fuzzSignaling)]

private func fuzzSignaling(_ data: UnsafeRawBufferPointer) {
    switch MessageDecoder.decode(String(decoding: data, as: UTF8.self)) {
    case .success: break
    case .failure(let failure):
        require(SignalingErrorCode.allCases.contains(failure.error.code), "an undocumented error code")
        require(!failure.error.description.isEmpty, "an error with no words")
    }
}
