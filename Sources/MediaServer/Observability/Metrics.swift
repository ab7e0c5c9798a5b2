import Metrics
import Prometheus

/// The process's Prometheus registry, exposed at `/metrics`.
///
/// The media path never touches these per packet: workers count in plain integers on their own
/// event loop and add the totals here once per tick (see `MediaWorker.flushCounters`).
public enum CascadeMetrics {
    public static let registry = PrometheusCollectorRegistry()

    /// Installs the Prometheus backend for swift-metrics; call once at start.
    public static func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    public static func render() -> String {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static let udpDropped = registry.makeCounter(
        name: "cascade_udp_dropped_packets_total",
        help: "UDP datagrams dropped because they could not be parsed, authenticated or routed")
    static let udpReceived = registry.makeCounter(name: "cascade_udp_received_packets_total", help: "UDP datagrams received on media ports")
    static let udpSent = registry.makeCounter(name: "cascade_udp_sent_packets_total", help: "UDP datagrams sent from media ports")
    static let rtpForwarded = registry.makeCounter(name: "cascade_rtp_forwarded_packets_total", help: "RTP packets forwarded to subscribers")
    static let nackReceived = registry.makeCounter(name: "cascade_nack_received_total", help: "Sequence numbers NACKed by subscribers")
    static let nackSent = registry.makeCounter(name: "cascade_nack_sent_total", help: "Sequence numbers NACKed upstream to publishers")
    static let rtxSent = registry.makeCounter(name: "cascade_rtx_sent_total", help: "Packets retransmitted to subscribers in answer to NACKs")
    static let rtxReceived = registry.makeCounter(name: "cascade_rtx_received_total", help: "Retransmissions received from publishers after our NACKs")
    static let pliSent = registry.makeCounter(name: "cascade_pli_sent_total", help: "Key frame requests sent to publishers")
    static let transports = registry.makeGauge(name: "cascade_peer_transports", help: "Peer transports currently open")
    static let publications = registry.makeGauge(name: "cascade_publications", help: "Publications currently live")
}
