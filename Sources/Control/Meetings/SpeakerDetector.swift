/// Turns the media node's per-publication audio levels (RFC 6464, averaged since the last poll)
/// into the room's `speakers` list, and says when that list changed enough to be worth a
/// broadcast: someone started or stopped speaking, the order changed, or a level moved by at
/// least `levelStep`. Small wobbles of the same speakers are not sent.
struct SpeakerDetector: Sendable {
    /// Levels below this (about −40 dBov) count as silence.
    var threshold = 0.01
    var levelStep = 0.1
    var maxSpeakers = 8

    private(set) var lastSent: [SpeakerLevel] = []

    /// `levels` may name a participant several times (camera and screen audio); the loudest counts.
    mutating func update(levels: [(participantID: String, level: Double)]) -> [SpeakerLevel]? {
        var loudest: [String: Double] = [:]
        for (participant, level) in levels where level.isFinite && level >= threshold {
            loudest[participant] = max(loudest[participant] ?? 0, min(level, 1))
        }
        let speakers = loudest
            .map { SpeakerLevel(participantId: $0.key, level: ($0.value * 100).rounded() / 100) }
            .sorted { $0.level != $1.level ? $0.level > $1.level : $0.participantId < $1.participantId }
            .prefix(maxSpeakers)
        let list = Array(speakers)
        guard changedMeaningfully(list) else { return nil }
        lastSent = list
        return list
    }

    private func changedMeaningfully(_ list: [SpeakerLevel]) -> Bool {
        guard list.map(\.participantId) == lastSent.map(\.participantId) else { return true }
        return zip(list, lastSent).contains { abs($0.level - $1.level) >= levelStep }
    }
}

/// Grades a participant's connection from what its client reports (`quality` messages, from
/// `getStats()`) and what the media node measures (receiver reports, receive statistics).
/// The worse of the two wins: either side may see a problem the other cannot.
enum QualityGrader {
    static func grade(loss: Double, rttMs: Double?) -> ConnectionQuality {
        let rtt = rttMs ?? 0
        if loss > 0.10 || rtt > 500 { return .poor }
        if loss > 0.02 || rtt > 250 { return .good }
        return .excellent
    }

    /// nil when nothing is known yet.
    static func combine(report: QualityReport?, sessions: [SessionStatsSample]) -> ConnectionQuality? {
        var grades: [ConnectionQuality] = []
        if let report { grades.append(grade(loss: report.packetLoss, rttMs: report.rttMs)) }
        if !sessions.isEmpty {
            let connected = sessions.filter(\.connected)
            if connected.isEmpty {
                grades.append(.lost)
            } else {
                let loss = connected.map(\.lossFraction).max() ?? 0
                let rtt = connected.compactMap(\.roundTripMillis).max()
                grades.append(grade(loss: loss, rttMs: rtt))
            }
        }
        return grades.max()
    }
}

/// The part of the media node's `SessionStats` the grader uses.
struct SessionStatsSample: Sendable, Equatable {
    var connected: Bool
    var lossFraction: Double
    var roundTripMillis: Double?
}
