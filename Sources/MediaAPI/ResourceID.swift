/// Names a publication and the media node it originates on: `"{node}.{publication}"`.
///
/// The node part lets any node (and later a CascadeLink) find the origin from the id alone.
/// Node ids are restricted to `[a-z0-9-]`, publication ids are random and unguessable.
public struct ResourceID: Hashable, Sendable, CustomStringConvertible, Codable {
    public let node: String
    public let publication: String

    public init(node: String, publication: String) {
        self.node = node
        self.publication = publication
    }

    public init?(_ string: String) {
        guard let dot = string.firstIndex(of: ".") else { return nil }
        let node = String(string[..<dot])
        let publication = String(string[string.index(after: dot)...])
        guard Self.isValidNode(node), !publication.isEmpty, publication.count <= 64,
              publication.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        self.node = node
        self.publication = publication
    }

    public var description: String { "\(node).\(publication)" }

    public static func isValidNode(_ node: String) -> Bool {
        !node.isEmpty && node.count <= 63
            && node.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    public static func random(node: String) -> ResourceID {
        ResourceID(node: node, publication: randomToken(length: 16))
    }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let id = ResourceID(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a resource id: \(string)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A random token from an alphabet that is safe in URLs, SDP and logs.
public func randomToken(length: Int) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    var generator = SystemRandomNumberGenerator()
    return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
}
