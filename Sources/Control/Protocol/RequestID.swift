/// The `"id"` a client may put on a message, echoed as `"re"` on the reply or error
/// (docs/signaling.md, *Requests and replies*): a string or a number of the client's choosing.
public enum RequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case number(Double)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            throw DecodingError.typeMismatch(RequestID.self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be a string or a number"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let string): try container.encode(string)
        case .integer(let integer): try container.encode(integer)
        case .number(let number): try container.encode(number)
        }
    }

    public var description: String {
        switch self {
        case .string(let string): "\"\(string)\""
        case .integer(let integer): "\(integer)"
        case .number(let number): "\(number)"
        }
    }
}
