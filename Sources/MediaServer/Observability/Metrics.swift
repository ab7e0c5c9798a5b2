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
        // Register every media metric now, so /metrics lists them at zero before any traffic.
        _ = (udpDropped, udpReceived, udpSent, udpSendDropped, udpSendFailed, rtpForwarded, nackReceived, nackSent, rtxSent, rtxReceived, pliSent)
        _ = (transports, publications, linkTransports, relaysIncoming, relaysOutgoing)
    }

    public static func render() -> String {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static let udpDropped = counter("udp_dropped_packets", "UDP datagrams dropped because they could not be parsed, authenticated or routed")
    static let udpReceived = counter("udp_received_packets", "UDP datagrams received on media ports")
    static let udpSent = counter("udp_sent_packets", "UDP datagrams sent from media ports")
    static let udpSendDropped = counter("udp_send_dropped_packets", "UDP datagrams dropped on the way out: no kernel send buffer space, or too large for a send slot")
    static let udpSendFailed = counter("udp_send_failed_packets", "UDP datagrams the kernel refused for their destination (no route, firewall)")
    static let rtpForwarded = counter("rtp_forwarded_packets", "RTP packets forwarded to subscribers")
    static let nackReceived = counter("nack_received", "Sequence numbers NACKed by subscribers")
    static let nackSent = counter("nack_sent", "Sequence numbers NACKed upstream to publishers")
    static let rtxSent = counter("rtx_sent", "Packets retransmitted to subscribers in answer to NACKs")
    static let rtxReceived = counter("rtx_received", "Retransmissions received from publishers after our NACKs")
    static let pliSent = counter("pli_sent", "Key frame requests sent to publishers")
    static let transports = gauge("peer_transports", "Peer transports currently open")
    static let publications = gauge("publications", "Publications currently live")
    static let linkTransports = gauge("link_transports", "Cascade links whose media transport is up (set up, not necessarily connected)")
    static let relaysIncoming = gauge("relays_incoming", "Publications pulled from other nodes over cascade links")
    static let relaysOutgoing = gauge("relays_outgoing", "Publications sent to other nodes over cascade links")

    /// `cascade_<name>_total`
    private static func counter(_ name: String, _ help: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "cascade", metricName: name, unitName: "total",
                                                              helpText: help))
    }

    /// `cascade_<name>`
    private static func gauge(_ name: String, _ help: String) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "cascade", metricName: name, unitName: "",
                                                            helpText: help))
    }
}
