import Foundation
import FuzzSupport

/// `uplink`: one frame on a media node's uplink (docs/uplink.md), read both ways: as a request
/// by the node, and as an answer by control for each kind of result it waits for. A request that
/// decodes must encode to one that decodes and encodes to the same text.
public let uplinkTargets = [FuzzTarget("uplink", fuzzUplink)]

private func fuzzUplink(_ data: UnsafeRawBufferPointer) {
    let text = String(decoding: data, as: UTF8.self)
    if let request = try? UplinkRequest.decode(text) {
        let encoded = request.encoded()
        guard let again = try? UplinkRequest.decode(encoded) else { fatalError("encoded request does not decode: \(encoded)") }
        // JSONEncoder's key order is not fixed, so compare the JSON values.
        require(jsonValue(again.encoded()) == jsonValue(encoded), "encode → decode changed the request: \(encoded)")
    }

    let frame = Data(data)
    _ = UplinkAnswer.requestID(of: frame)
    _ = try? UplinkAnswer.result(UplinkAnswer.Empty.self, from: frame, node: "fuzz", method: .unpublish)
    _ = try? UplinkAnswer.result(SessionAnswer.self, from: frame, node: "fuzz", method: .publish)
    _ = try? UplinkAnswer.result([PublicationInfo].self, from: frame, node: "fuzz", method: .publications)
    _ = try? UplinkAnswer.result(ICEUpdateAnswer.self, from: frame, node: "fuzz", method: .updateICE)
    _ = try? UplinkAnswer.result([AudioLevelReport].self, from: frame, node: "fuzz", method: .audioLevels)
    _ = try? UplinkAnswer.result([SessionStats].self, from: frame, node: "fuzz", method: .sessionStats)
}

private func jsonValue(_ text: String) -> NSDictionary? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? NSDictionary
}
