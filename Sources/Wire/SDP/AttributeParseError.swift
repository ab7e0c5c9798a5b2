/// Why one attribute value is not valid; the parser turns it into `SDPError.malformed` with the
/// line number.
struct AttributeParseError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }

    /// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1).
    var isICEChar: Bool { isASCII && (isLetter || isNumber || self == "+" || self == "/") }
}

extension Substring {
    /// A decimal number that fits `T`, with no sign and no spaces.
    func decimal<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        guard !isEmpty, count <= 20, allSatisfy(\.isASCIIDigit) else { return nil }
        return T(self)
    }
}

/// Splits on runs of spaces or tabs (RFC 8866 allows only single spaces, but browsers' trickle
/// strings and hand-written SDP sometimes double them).
func fields(_ text: some StringProtocol) -> [Substring] {
    Substring(text).split(whereSeparator: { $0 == " " || $0 == "\t" })
}
