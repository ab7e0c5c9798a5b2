#!/usr/bin/env bash
# Installs what Cascade needs on a Debian 12 machine with Swift.
#   scripts/install-deps.sh          build/run dependencies (OpenSSL; libsrtp is vendored in Sources/C/CSRTP)
#   scripts/install-deps.sh --test   also the test peers (Chromium, Firefox, aiortc, selenium, pytest,
#                                    GStreamer webrtcbin + its Python bindings for /usr/bin/python3,
#                                    iproute2, iptables, ethtool, coturn)
# Idempotent: only installs what is missing.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

apt_pkgs=(libssl-dev pkg-config libsqlite3-dev)
if [ "$want_test" = 1 ]; then
  apt_pkgs+=(chromium chromium-driver firefox-esr iproute2 iptables ethtool coturn)
  # GStreamer webrtcbin (plugins-bad: webrtcbin, dtls, srtp; nice: libnice ICE; good: vp8enc/
  # vp8dec, rtpvp8pay/depay, rtpmanager; base: opusenc/opusdec, test sources) and its Python
  # bindings, which import only under Debian's /usr/bin/python3 (InteropTests/harness/gstreamer.py).
  apt_pkgs+=(gstreamer1.0-plugins-bad gstreamer1.0-nice gstreamer1.0-plugins-good gstreamer1.0-plugins-base
             gstreamer1.0-tools python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
             gir1.2-gst-plugins-bad-1.0)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
  py=python3
  if ! $py -c 'import aiortc, selenium, pytest, websockets, requests' 2>/dev/null; then
    echo "install-deps: pip install test peers"
    $py -m pip install -q --disable-pip-version-check -r InteropTests/requirements.txt
  fi
fi
echo "install-deps: ok"
