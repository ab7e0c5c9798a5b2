/// Why an SDP text could not be parsed. `line` is 1-based and counts every line of the input
/// (blank ones included), so it points at the line an editor shows.
public enum SDPError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(line: Int, reason: String)

    public var description: String {
        switch self {
        case .malformed(let line, let reason): "SDP line \(line): \(reason)"
        }
    }
}
