import RTP

/// Averages RFC 6464 audio levels between two reads, for active-speaker detection.
///
/// The header carries -dBov (0 = loudest, 127 = silence); averaging is done on linear amplitude
/// so one loud packet among quiet ones counts as loud, the way a listener hears it.
struct AudioLevelAccumulator {
    private var amplitudeSum: Double = 0
    private var voicePackets = 0
    private var packets = 0

    mutating func add(_ level: AudioLevel) {
        amplitudeSum += Self.amplitude(dBov: level.level)
        if level.voiceActivity { voicePackets += 1 }
        packets += 1
    }

    mutating func take() -> (level: Double, voiceActivity: Double)? {
        guard packets > 0 else { return nil }
        defer { self = AudioLevelAccumulator() }
        return (amplitudeSum / Double(packets), Double(voicePackets) / Double(packets))
    }

    /// 10^(-dBov/20), with 127 (the floor) mapped to silence.
    static func amplitude(dBov: UInt8) -> Double {
        dBov >= 127 ? 0 : amplitudes[Int(dBov)]
    }

    /// 10^(-1/20) raised to 0…126, by repeated multiplication: no libm needed on this path.
    private static let amplitudes: [Double] = {
        let step = 0.8912509381337456
        var table = [Double](repeating: 1, count: 127)
        for index in 1..<127 { table[index] = table[index - 1] * step }
        return table
    }()
}
