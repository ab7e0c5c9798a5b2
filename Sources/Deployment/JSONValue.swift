import Foundation

/// A JSON document as a plain tree, so the deployment decoder can walk it by hand: that is what
/// lets it reject unknown keys and name the exact path of every problem, which `Codable`
/// synthesis does not do.
enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Order matters: JSONDecoder decodes only `true`/`false` as Bool, and only whole numbers
        // as Int, so each case is tried from the strictest to the loosest.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses bytes with Foundation's JSONDecoder.
    static func decode(_ bytes: [UInt8]) throws(DeploymentError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .notJSON(reason: JSONValue.explain(error))
        } catch {
            throw .notJSON(reason: "\(error)")
        }
    }

    /// How an operator would name this kind of value in an error message.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "true or false"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            // Foundation puts the line and column of a syntax error in the underlying error.
            if let underlying = context.underlyingError {
                let info = (underlying as NSError).userInfo
                if let detail = info[NSDebugDescriptionErrorKey] as? String {
                    return detail
                }
                return "\(underlying)"
            }
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}
