/// Why a deployment file was not accepted. The description is what an operator reads: it names
/// the place in the file (a JSON path such as `nodes[1].zone`) and what is wrong there.
public enum DeploymentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, a directory, ...).
    case fileUnreadable(path: String, reason: String)
    /// The bytes are not JSON at all.
    case notJSON(reason: String)
    /// The JSON is well formed but a value is missing, of the wrong type or not allowed.
    /// `path` is where in the document (`nodes[1].zone`; empty for the document itself).
    case invalid(path: String, message: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "deployment file \(path) does not exist"
        case .fileUnreadable(let path, let reason):
            "deployment file \(path) cannot be read: \(reason)"
        case .notJSON(let reason):
            "the deployment file is not valid JSON: \(reason)"
        case .invalid(let path, let message):
            path.isEmpty ? message : "\(path): \(message)"
        }
    }
}
