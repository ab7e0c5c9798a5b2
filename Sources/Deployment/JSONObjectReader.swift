/// Reads the fields of one JSON object of the deployment file, knowing where the object sits
/// (`nodes[1]`), so that every type error names its full path.
struct JSONObjectReader {
    /// Path of this object in the document: "" for the document, "nodes[1]", "control".
    let path: String
    let fields: [String: JSONValue]

    init(_ value: JSONValue, path: String) throws(DeploymentError) {
        guard case .object(let fields) = value else {
            throw .invalid(path: path, message: "expected an object, got \(value.kindName)")
        }
        self.path = path
        self.fields = fields
    }

    /// The path of a field of this object: `nodes[1]` + `zone` → `nodes[1].zone`.
    func path(of key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Rejects keys the format does not define: a typo in an operations file ("mediaport")
    /// must not silently fall back to a default. Keys are checked in sorted order so the error
    /// is the same on every run.
    func rejectUnknownKeys(allowed: [String]) throws(DeploymentError) {
        for key in fields.keys.sorted() where !allowed.contains(key) {
            var message = "unknown key"
            if let suggestion = JSONObjectReader.closest(to: key, among: allowed) {
                message += " (did you mean \"\(suggestion)\"?)"
            } else {
                message += " (allowed: \(allowed.joined(separator: ", ")))"
            }
            throw .invalid(path: path(of: key), message: message)
        }
    }

    func string(_ key: String) throws(DeploymentError) -> String? {
        guard let value = fields[key] else { return nil }
        guard case .string(let text) = value else { throw typeError(key, expected: "a string", got: value) }
        return text
    }

    func requiredString(_ key: String) throws(DeploymentError) -> String {
        guard let text = try string(key) else { throw missing(key) }
        return text
    }

    func integer(_ key: String) throws(DeploymentError) -> Int? {
        guard let value = fields[key] else { return nil }
        guard case .integer(let number) = value else { throw typeError(key, expected: "an integer", got: value) }
        return number
    }

    func bool(_ key: String) throws(DeploymentError) -> Bool? {
        guard let value = fields[key] else { return nil }
        guard case .bool(let flag) = value else { throw typeError(key, expected: "true or false", got: value) }
        return flag
    }

    /// A list of strings; an element of another type is reported as `key[i]`.
    func strings(_ key: String) throws(DeploymentError) -> [String]? {
        guard let value = fields[key] else { return nil }
        guard case .array(let elements) = value else { throw typeError(key, expected: "a list of strings", got: value) }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw .invalid(path: "\(path(of: key))[\(index)]", message: "expected a string, got \(element.kindName)")
            }
            result.append(text)
        }
        return result
    }

    /// A list of objects, each returned as a reader whose path is `key[i]`.
    func objects(_ key: String) throws(DeploymentError) -> [JSONObjectReader]? {
        guard let value = fields[key] else { return nil }
        guard case .array(let elements) = value else { throw typeError(key, expected: "a list of objects", got: value) }
        var result: [JSONObjectReader] = []
        for (index, element) in elements.enumerated() {
            result.append(try JSONObjectReader(element, path: "\(path(of: key))[\(index)]"))
        }
        return result
    }

    func object(_ key: String) throws(DeploymentError) -> JSONObjectReader? {
        guard let value = fields[key] else { return nil }
        return try JSONObjectReader(value, path: path(of: key))
    }

    func missing(_ key: String) -> DeploymentError {
        .invalid(path: path(of: key), message: "is required")
    }

    private func typeError(_ key: String, expected: String, got value: JSONValue) -> DeploymentError {
        .invalid(path: path(of: key), message: "expected \(expected), got \(value.kindName)")
    }

    /// The allowed key a typo most likely meant: same letters ignoring case, or at most two
    /// edits away.
    static func closest(to key: String, among allowed: [String]) -> String? {
        if let sameLetters = allowed.first(where: { $0.lowercased() == key.lowercased() }) {
            return sameLetters
        }
        let scored = allowed.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    /// Levenshtein distance; keys are short, so the quadratic table is fine.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
