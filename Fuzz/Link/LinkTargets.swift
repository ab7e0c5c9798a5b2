import FuzzSupport

/// `link`: one message on a cascade link's control channel, from the other node. A message that
/// decodes must encode to one that decodes and encodes to the same text.
public let linkTargets = [FuzzTarget("link", fuzzLink)]

private func fuzzLink(_ data: UnsafeRawBufferPointer) {
    guard let message = LinkMessage.decode(String(decoding: data, as: UTF8.self)) else { return }
    let encoded = message.encoded()
    guard let again = LinkMessage.decode(encoded) else { fatalError("encoded link message does not decode: \(encoded)") }
    require(again.encoded() == encoded, "encode → decode changed the message: \(encoded)")
}
