import COpenSSL

/// OpenSSL keeps errors in a per-thread queue; read it out as text for `DTLSError` payloads.
enum OpenSSLErrors {
    /// Drains the calling thread's error queue into one line ("" if empty).
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            messages.append(String(decoding: bytes, as: UTF8.self))
        }
        return messages.joined(separator: "; ")
    }

    static func clear() { ERR_clear_error() }
}
