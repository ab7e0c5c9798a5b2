/// One libFuzzer target: the name `cascade-fuzz NAME` runs it by, and the function given each input.
///
/// A target calls the real parser and checks what must hold of its answer with `require`; a
/// parser that traps, reads out of bounds (AddressSanitizer) or breaks an invariant is a crash,
/// which libFuzzer saves as `crash-<sha1>` for a unit test to replay.
public struct FuzzTarget: Sendable {
    public let name: String
    /// libFuzzer options this target needs, put before the caller's (a later option wins).
    public let options: [String]
    public let run: @Sendable (UnsafeRawBufferPointer) -> Void

    public init(_ name: String, options: [String] = [], _ run: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.name = name
        self.options = options
        self.run = run
    }
}

/// Traps when an invariant of a parser's answer does not hold, so libFuzzer keeps the input.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
