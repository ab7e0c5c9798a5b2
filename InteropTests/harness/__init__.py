"""Helpers for the Cascade interop tests (InteropTests).

Modules:
  framecode     - draws / reads a frame number as black-and-white blocks in a video frame
  aiortc_peers  - aiortc WHIP publisher and WHEP subscriber (plus synthetic tracks)
  chromium      - headless Chromium via selenium, with injected WHIP/WHEP JavaScript
  gstreamer     - GStreamer webrtcbin WHIP/WHEP peers (gstreamer_peer.py processes under /usr/bin/python3)
  relay         - UDP relay that drops a fraction of datagrams in each direction
  flood         - bounded random-datagram flood toward a loopback port
  metrics       - Prometheus text parsing and the metric names the tests watch
  cascade       - starts `cascade serve`, mints tokens with `cascade token`, WHIP/WHEP HTTP helpers
  mock_server   - a tiny aiortc-based WHIP/WHEP server used only by the harness self-checks
"""
