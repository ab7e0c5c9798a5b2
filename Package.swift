// swift-tools-version:6.2
// Cascade — a self-hosted, cascading WebRTC SFU and meeting platform.
// Layers: docs/architecture.md lists every target below from the top layer down; a module
// depends only on modules listed below it there (scripts/check-layers.py checks, in `make test`).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// The fuzz modules: coverage for libFuzzer (swiftc has no `fuzzer-no-link`; `fuzzer` only adds
// instrumentation when compiling) and ASan, optimized so that a run reaches millions of inputs.
let fuzzSettings: [SwiftSetting] = swiftSettings + [.unsafeFlags(["-sanitize=fuzzer,address", "-O"])]

// MediaAPI's, and UplinkFuzz's, which compiles the same sources.
let mediaAPIDependencies: [Target.Dependency] = [
    "Auth",
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOFoundationCompat", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HummingbirdCore", package: "hummingbird"),
    .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
    .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
]

let package = Package(
    name: "Cascade",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cascade", targets: ["cascade"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C: OpenSSL (system), libsrtp (vendored) and the few of their macros Swift cannot import.
        .systemLibrary(name: "COpenSSL", path: "Sources/C/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        // libsrtp 2.5.0, vendored and built on OpenSSL (Debian's libsrtp2 uses NSS, whose AES-GCM
        // sets up a cipher context per packet): see Sources/C/CSRTP/README.md.
        .target(name: "CSRTP", dependencies: ["COpenSSL"], path: "Sources/C/CSRTP",
                exclude: ["README.md", "LICENSE"],
                cSettings: [
                    .define("HAVE_CONFIG_H"),
                    .headerSearchPath("crypto/include"),
                    .headerSearchPath("include/srtp2"),
                    .headerSearchPath("private"),
                ]),
        .target(name: "CShims", dependencies: ["COpenSSL", "CSRTP"], path: "Sources/C/CShims"),

        // L0 Wire: formats only, no sockets, no clocks.
        .target(name: "STUN", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                path: "Sources/Wire/STUN", swiftSettings: swiftSettings),
        .target(name: "RTP", path: "Sources/Wire/RTP", swiftSettings: swiftSettings),
        .target(name: "SDP", path: "Sources/Wire/SDP", swiftSettings: swiftSettings),

        // L1 Transport: protocol state machines (bytes and time in, bytes, events and deadlines out).
        .target(name: "ICE", dependencies: ["STUN"], path: "Sources/Transport/ICE", swiftSettings: swiftSettings),
        .target(name: "DTLS", dependencies: ["COpenSSL", "CShims", "SRTP"], path: "Sources/Transport/DTLS",
                swiftSettings: swiftSettings),
        .target(name: "SRTP", dependencies: ["CSRTP", "CShims"], path: "Sources/Transport/SRTP",
                swiftSettings: swiftSettings),
        // One WebRTC peer connection (ICE lite or controlling + DTLS + SRTP), socket-free.
        .target(name: "PeerConnection", dependencies: ["ICE", "DTLS", "SRTP", "STUN", "RTP"],
                path: "Sources/Transport/PeerConnection", swiftSettings: swiftSettings),

        // L2 SFU: rooms, tracks, feedback. No I/O.
        .target(name: "SFU", dependencies: ["RTP"], path: "Sources/SFU", swiftSettings: swiftSettings),

        // L2 Negotiation: what the SFU lets a client negotiate (codecs to publish, the subset a
        // subscriber may receive, H.264 profile matching, fmtp), from values only.
        .target(name: "Negotiation", dependencies: ["RTP", "SDP", "SFU"], path: "Sources/Negotiation", swiftSettings: swiftSettings),

        // Tokens (JWT, HS256), verified locally by media nodes.
        .target(name: "Auth", dependencies: [.product(name: "JWTKit", package: "jwt-kit"),
                                             .product(name: "Crypto", package: "swift-crypto")],
                path: "Sources/Auth", swiftSettings: swiftSettings),
        // L2 HTTPGuard: every listener's bounds on slow, oversized and non-HTTP requests.
        .target(name: "HTTPGuard", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        ], path: "Sources/HTTPGuard", swiftSettings: swiftSettings),

        // The media API: what signaling asks of a media node (publish/subscribe by resource id),
        // in-process or over HTTP.
        .target(name: "MediaAPI", dependencies: mediaAPIDependencies, path: "Sources/MediaAPI", swiftSettings: swiftSettings),

        // L3 Cascade: how media nodes link — the routing plan, the relay table, the link wire
        // format, its control channel, the dialer and the acceptor. No media, no worker.
        .target(name: "Cascade", dependencies: [
            "Auth", "MediaAPI",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
        ], path: "Sources/Cascade", swiftSettings: swiftSettings),

        // L3 MediaServer: sockets, timers, HTTP.
        .target(name: "MediaServer", dependencies: [
            "CShims", "STUN", "RTP", "SDP", "ICE", "DTLS", "SRTP", "PeerConnection", "SFU", "Negotiation", "Auth", "HTTPGuard",
            "MediaAPI", "Cascade",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
        ], path: "Sources/MediaServer", resources: [.copy("Web")], swiftSettings: swiftSettings),

        // L3 Control: signaling WebSocket (/rtc), rooms, host controls, limits, TURN REST
        // credentials, open-join tokens and the meeting web app. Reaches media only via MediaAPI.
        .target(name: "Control", dependencies: [
            "Deployment",
            "MediaAPI", "Auth", "HTTPGuard",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], path: "Sources/Control", resources: [.copy("Web")], swiftSettings: swiftSettings),

        // L4 Deployment: the deployment file (nodes, zones, links), CIDR zone selection,
        // rendezvous placement and node health. Foundation only.
        .target(name: "Deployment", path: "Sources/Deployment", swiftSettings: swiftSettings),

        // L4 load tests (`cascade bench`): the project's own client stack against a child server.
        .target(name: "Bench", dependencies: [
            "MediaServer", "Auth", "DTLS", "PeerConnection", "RTP", "SDP", "STUN",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], path: "Sources/Bench", swiftSettings: swiftSettings),

        // L4 the executable.
        .executableTarget(name: "cascade", dependencies: [
            "MediaServer", "MediaAPI", "Auth", "Bench", "Cascade", "Control", "Deployment", "HTTPGuard",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/cascade", swiftSettings: swiftSettings),

        // Fuzzing (docs/security.md, *Fuzzing*; `make fuzz`): each fuzz module compiles the source
        // files of one parser again (its `Source` is a link to them) with libFuzzer's coverage and
        // AddressSanitizer, and imports everything else from this same debug build, so a fuzz build
        // costs our parsers' compile, not a second, sanitized build of NIO, BoringSSL and the rest.
        .target(name: "FuzzSupport", path: "Fuzz/Support", swiftSettings: fuzzSettings),
        .target(name: "CFuzzer", path: "Fuzz/CFuzzer"),
        .target(name: "STUNFuzz", dependencies: ["FuzzSupport", .product(name: "Crypto", package: "swift-crypto")],
                path: "Fuzz/STUN", swiftSettings: fuzzSettings),
        .target(name: "RTPFuzz", dependencies: ["FuzzSupport"], path: "Fuzz/RTP", swiftSettings: fuzzSettings),
        .target(name: "SDPFuzz", dependencies: ["FuzzSupport"], path: "Fuzz/SDP", swiftSettings: fuzzSettings),
        .target(name: "DTLSFuzz", dependencies: ["FuzzSupport", "COpenSSL", "CShims", "SRTP"], path: "Fuzz/DTLS",
                swiftSettings: fuzzSettings),
        .target(name: "ICETCPFuzz", dependencies: ["FuzzSupport", .product(name: "NIOCore", package: "swift-nio")],
                path: "Fuzz/ICETCP", swiftSettings: fuzzSettings),
        .target(name: "SignalingFuzz", dependencies: ["FuzzSupport", "MediaAPI"], path: "Fuzz/Signaling",
                swiftSettings: fuzzSettings),
        // Compiles MediaAPI's sources, so it needs what they import.
        .target(name: "UplinkFuzz", dependencies: ["FuzzSupport"] + mediaAPIDependencies, path: "Fuzz/Uplink",
                swiftSettings: fuzzSettings),
        .target(name: "LinkFuzz", dependencies: ["FuzzSupport"], path: "Fuzz/Link", swiftSettings: fuzzSettings),
        .target(name: "DeploymentFuzz", dependencies: ["FuzzSupport"], path: "Fuzz/Deployment", swiftSettings: fuzzSettings),
        .target(name: "JWTFuzz", dependencies: ["FuzzSupport", .product(name: "JWTKit", package: "jwt-kit"),
                                                .product(name: "Crypto", package: "swift-crypto")],
                path: "Fuzz/JWT", swiftSettings: fuzzSettings),
        // `cascade-fuzz TARGET [libFuzzer options]`; lld, as gold warns about ASan's local symbols.
        .executableTarget(name: "cascade-fuzz", dependencies: [
            "CFuzzer", "FuzzSupport", "STUNFuzz", "RTPFuzz", "SDPFuzz", "DTLSFuzz", "ICETCPFuzz", "SignalingFuzz",
            "UplinkFuzz", "LinkFuzz", "DeploymentFuzz", "JWTFuzz",
        ], path: "Fuzz/Driver", swiftSettings: fuzzSettings,
           linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]),

        .testTarget(name: "STUNTests", dependencies: ["STUN"], path: "UnitTests/STUNTests"),
        .testTarget(name: "RTPTests", dependencies: ["RTP"], path: "UnitTests/RTPTests"),
        .testTarget(name: "SDPTests", dependencies: ["SDP"], path: "UnitTests/SDPTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "ICETests", dependencies: ["ICE", "STUN"], path: "UnitTests/ICETests"),
        .testTarget(name: "DTLSTests", dependencies: ["DTLS", "SRTP"], path: "UnitTests/DTLSTests"),
        .testTarget(name: "PeerConnectionTests", dependencies: ["PeerConnection", "ICE", "DTLS", "STUN", "RTP"],
                    path: "UnitTests/PeerConnectionTests", swiftSettings: swiftSettings),
        .testTarget(name: "SFUTests", dependencies: ["SFU", "RTP"], path: "UnitTests/SFUTests"),
        .testTarget(name: "NegotiationTests", dependencies: ["Negotiation", "RTP", "SDP", "SFU"], path: "UnitTests/NegotiationTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "AuthTests", dependencies: ["Auth"], path: "UnitTests/AuthTests"),
        // Every route of the three listening commands against AuthorizationTable.
        .testTarget(name: "CommandTests", dependencies: [
            "cascade", "Auth", "Cascade", "Control", "Deployment", "HTTPGuard", "MediaAPI", "MediaServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "UnitTests/CommandTests", swiftSettings: swiftSettings),
        .testTarget(name: "HTTPGuardTests", dependencies: ["HTTPGuard"], path: "UnitTests/HTTPGuardTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "ControlTests", dependencies: [
            "Control", "MediaAPI", "Auth",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], path: "UnitTests/ControlTests", swiftSettings: swiftSettings),
        // Counts this thread's heap allocations (a malloc hook for the allocation tests).
        .target(name: "AllocationCounter", path: "UnitTests/AllocationCounter"),
        .testTarget(name: "MediaServerTests", dependencies: [
            "MediaServer", "Auth", "AllocationCounter", "Bench", "PeerConnection", "SFU", "RTP", "DTLS", "MediaAPI", "SDP", "STUN", "ICE",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], path: "UnitTests/MediaServerTests"),
        .testTarget(name: "MediaAPITests", dependencies: [
            "MediaAPI", "Auth",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "UnitTests/MediaAPITests", swiftSettings: swiftSettings),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "RTP"], path: "UnitTests/BenchTests"),
        .testTarget(name: "CascadeTests", dependencies: ["Cascade"], path: "UnitTests/CascadeTests",
                    swiftSettings: swiftSettings),
        .testTarget(name: "DeploymentTests", dependencies: ["Deployment"], path: "UnitTests/DeploymentTests",
                    swiftSettings: swiftSettings),
    ]
)
