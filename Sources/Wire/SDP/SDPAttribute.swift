/// One `a=` line: `a=name` (a flag) or `a=name:value`. The value is kept verbatim (including any
/// leading space, as in Chrome's `a=msid-semantic: WMS`) so serialization reproduces the input.
/// RFC 8866 §5.13.
public struct SDPAttribute: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// The text after `a=`.
    public var description: String {
        if let value { "\(name):\(value)" } else { name }
    }

    /// Splits the text after `a=` at the first colon (RFC 8866 §5.13: `attribute = (attribute-name ":"
    /// attribute-value) / attribute-name`).
    init(line text: Substring) {
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon])
            value = String(text[text.index(after: colon)...])
        } else {
            name = String(text)
            value = nil
        }
    }
}

/// A line of a type this model keeps only as text (`i=`, `u=`, `e=`, `p=`, `b=`, `z=`, `k=`).
/// They are rare in WebRTC; keeping them lets parse → serialize reproduce the input.
public struct SDPLine: Equatable, Hashable, Sendable {
    public var type: Character
    public var value: String

    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }
}

extension [SDPAttribute] {
    /// The value of the first attribute called `name` (nil when absent or a flag).
    func firstValue(_ name: String) -> String? {
        first { $0.name == name }?.value
    }

    func has(_ name: String) -> Bool {
        contains { $0.name == name }
    }

    func values(_ name: String) -> [String] {
        compactMap { $0.name == name ? $0.value : nil }
    }
}
