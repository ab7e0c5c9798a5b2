"""A GStreamer webrtcbin WHIP publisher or WHEP subscriber in its own process.

Runs under Debian's /usr/bin/python3 (python3-gi; GStreamer's bindings do not import under the
pyenv python that runs pytest), so it uses the standard library and gi only. harness.gstreamer
starts it and reads what it prints:

    /usr/bin/python3 gstreamer_peer.py publish   --url http://H:P/whip/ROOM           --token T
    /usr/bin/python3 gstreamer_peer.py subscribe --url http://H:P/whep/ROOM/RESOURCE  --token T

Both use bundle-policy=max-bundle (RFC 9725 §4.2), wait until ICE gathering is complete and
POST the whole offer (no trickle), then set the answer. The publisher sends VP8 (vp8enc
deadline=1, a key frame every 2 s) from videotestsrc and Opus from audiotestsrc; the subscriber
is recvonly for both and decodes them (rtpvp8depay ! vp8dec, rtpopusdepay ! opusdec).

Output: one JSON object per line on stdout, each with "event" and "time" (Unix seconds):
  {"event": "posted", "location": URL}                      the WHIP/WHEP resource
  {"event": "state", "connection": S, "ice": S}             on every state change
  {"event": "stats", "videoFrames": N, "audioBuffers": N,   every --interval seconds; frames
   "packetsSent": N, "bytesSent": N,                        encoded (publisher) or decoded
   "packetsReceived": N, "bytesReceived": N}                (subscriber); RTP counters from
                                                            webrtcbin's get-stats
  {"event": "error", "message": M}                          then exit status 1
SIGTERM (or SIGINT) DELETEs the resource, prints a last "stats" and {"event": "stopped"}.

Measured here (GStreamer 1.22, libnice 0.1.21):
- libnice never gathers on `lo` ("Ignoring loopback interface"), nor on a veth whose link is
  not up yet; with nothing to gather the state stays "gathering" for good (hence
  --gather-timeout). On a veth that is up it gathers that address at once. So run this where
  such an interface exists (harness.gstreamer runs it in a netcut.VethNamespace).
- Once connected, libnice sends a STUN Binding Indication every 25 s to keep the pair alive and
  no Binding Request: nothing an ICE-lite server can take for consent (RFC 7675 §5.1).
- G_MESSAGES_DEBUG=libnice prints its debug lines on stdout, among ours (the reader skips
  lines that are not JSON).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

VIDEO_CAPS = "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000"
AUDIO_CAPS = "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,encoding-params=(string)2"
# What the publisher's and the subscriber's m-lines also announce: NACK and PLI (RFC 4585).
FEEDBACK = ",rtcp-fb-nack=(boolean)true,rtcp-fb-nack-pli=(boolean)true"

PUBLISHER_PIPELINE = f"""
webrtcbin name=webrtc bundle-policy=max-bundle
videotestsrc is-live=true pattern=ball
  ! video/x-raw,width={{width}},height={{height}},framerate={{fps}}/1 ! videoconvert ! queue
  ! vp8enc name=videoenc deadline=1 keyframe-max-dist={{keyframe_distance}} target-bitrate=400000 cpu-used=8
  ! rtpvp8pay pt=96 picture-id-mode=15-bit ! {VIDEO_CAPS}{FEEDBACK} ! webrtc.
audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! audioconvert ! audioresample ! queue
  ! opusenc name=audioenc ! rtpopuspay pt=111 ! {AUDIO_CAPS} ! webrtc.
"""

_print_lock = threading.Lock()


def emit(event: str, **fields) -> None:
    """One JSON line on stdout; streaming threads and the main loop both report."""
    with _print_lock:
        try:
            sys.stdout.write(json.dumps({"event": event, "time": time.time(), **fields}) + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader is gone; SIGTERM (or the parent's exit) ends us anyway


def count_buffers(pad: Gst.Pad, counter: dict, key: str) -> None:
    def probe(_pad, _info):
        counter[key] += 1
        return Gst.PadProbeReturn.OK

    pad.add_probe(Gst.PadProbeType.BUFFER, probe)


def structure_fields(structure: Gst.Structure) -> dict:
    fields = {}

    def visit(field_id, value, _data=None):
        fields[GLib.quark_to_string(field_id)] = value
        return True

    structure.foreach(visit, None)
    return fields


class Peer:
    """webrtcbin plus the offer/answer exchange over WHIP or WHEP (the two differ only in
    their media: see Publisher and Subscriber)."""

    def __init__(self, args: argparse.Namespace, pipeline: Gst.Pipeline):
        self.args = args
        self.pipeline = pipeline
        self.webrtc = pipeline.get_by_name("webrtc")
        self.counts = {"videoFrames": 0, "audioBuffers": 0}
        self.rtp = {"packetsSent": 0, "bytesSent": 0, "packetsReceived": 0, "bytesReceived": 0}
        self.location: str | None = None
        self.posted = False
        self.loop = GLib.MainLoop()
        self.exit_status = 0
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering_state)
        for state in ("connection-state", "ice-connection-state"):
            self.webrtc.connect(f"notify::{state}", self.on_state)
        bus = pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_bus_error)

    # --- offer / answer ----------------------------------------------------------------------

    def on_negotiation_needed(self, _webrtc) -> None:
        self.webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer_created, None))

    def on_offer_created(self, promise: Gst.Promise, _data) -> None:
        # Keep the reply referenced while reading it: a temporary Gst.Structure here is freed
        # under the description it holds (segfaults in about half the runs, pygobject 3.42).
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        self.webrtc.emit("set-local-description", offer, None)

    def on_gathering_state(self, _webrtc, _pspec) -> None:
        state = self.webrtc.get_property("ice-gathering-state")
        if state == GstWebRTC.WebRTCICEGatheringState.COMPLETE and not self.posted:
            self.posted = True
            # Candidates are in the local description by now: one POST, no trickle (RFC 9725 §4.3).
            offer = self.webrtc.get_property("local-description").sdp.as_text()
            threading.Thread(target=self.post_offer, args=(offer,), daemon=True).start()

    def post_offer(self, offer: str) -> None:
        request = urllib.request.Request(self.args.url, data=offer.encode(), method="POST", headers={
            "Content-Type": "application/sdp", "Authorization": f"Bearer {self.args.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = response.read().decode()
                self.location = urllib.parse.urljoin(self.args.url, response.headers["Location"])
        except urllib.error.HTTPError as error:
            GLib.idle_add(self.fail, f"POST {self.args.url} -> {error.code}: {error.read().decode()[:300]}")
            return
        except OSError as error:
            GLib.idle_add(self.fail, f"POST {self.args.url}: {error}")
            return
        emit("posted", location=self.location)
        GLib.idle_add(self.set_answer, answer)

    def set_answer(self, answer: str) -> bool:
        result, message = GstSdp.SDPMessage.new_from_text(answer)
        if result != GstSdp.SDPResult.OK:
            self.fail(f"cannot parse the answer: {answer[:300]!r}")
            return False
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, message)
        self.webrtc.emit("set-remote-description", description, None)
        return False

    # --- reports ------------------------------------------------------------------------------

    def on_state(self, _webrtc, _pspec) -> None:
        connection = self.webrtc.get_property("connection-state").value_nick
        ice = self.webrtc.get_property("ice-connection-state").value_nick
        emit("state", connection=connection, ice=ice)

    def request_stats(self) -> bool:
        self.webrtc.emit("get-stats", None, Gst.Promise.new_with_change_func(self.on_stats, None))
        return True

    def on_stats(self, promise: Gst.Promise, _data) -> None:
        reply = promise.get_reply()
        if reply is None:
            return
        rtp = dict.fromkeys(self.rtp, 0)
        for value in structure_fields(reply).values():
            if not isinstance(value, Gst.Structure):
                continue
            stat = structure_fields(value)
            kind = stat.get("type")
            if kind == GstWebRTC.WebRTCStatsType.OUTBOUND_RTP:
                rtp["packetsSent"] += int(stat.get("packets-sent", 0))
                rtp["bytesSent"] += int(stat.get("bytes-sent", 0))
            elif kind == GstWebRTC.WebRTCStatsType.INBOUND_RTP:
                rtp["packetsReceived"] += int(stat.get("packets-received", 0))
                rtp["bytesReceived"] += int(stat.get("bytes-received", 0))
        self.rtp = rtp
        self.report()

    def report(self) -> None:
        emit("stats", **self.counts, **self.rtp)

    # --- life ---------------------------------------------------------------------------------

    def run(self) -> int:
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self.stop)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self.stop)
        GLib.timeout_add(int(self.args.interval * 1000), self.request_stats)
        GLib.timeout_add(int(self.args.gather_timeout * 1000), self.check_gathered)
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            emit("error", message="the pipeline does not start (see stderr)")
            return 1
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        return self.exit_status

    def check_gathered(self) -> bool:
        if not self.posted:
            self.fail(f"ICE gathering not complete after {self.args.gather_timeout:.0f} s: libnice gathers no "
                      "candidate on `lo` (nor on an interface whose link is not up yet); run this where "
                      "another interface is up")
        return False

    def on_bus_error(self, _bus, message: Gst.Message) -> None:
        error, debug = message.parse_error()
        self.fail(f"{message.src.get_name()}: {error.message} ({debug})")

    def fail(self, text: str) -> bool:
        emit("error", message=text)
        self.exit_status = 1
        self.loop.quit()
        return False

    def stop(self) -> bool:
        self.report()
        if self.location:
            request = urllib.request.Request(self.location, method="DELETE",
                                             headers={"Authorization": f"Bearer {self.args.token}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    emit("deleted", status=response.status)
            except (urllib.error.HTTPError, OSError) as error:
                emit("deleted", status=getattr(error, "code", None), message=str(error))
        emit("stopped")
        self.loop.quit()
        return False


class Publisher(Peer):
    """Test video (VP8) and a 440 Hz tone (Opus), sendonly."""

    def __init__(self, args: argparse.Namespace):
        text = PUBLISHER_PIPELINE.format(width=args.width, height=args.height, fps=args.fps,
                                         keyframe_distance=2 * args.fps)
        super().__init__(args, Gst.parse_launch(text))
        for transceiver in self.transceivers():
            transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        count_buffers(self.pipeline.get_by_name("videoenc").get_static_pad("src"), self.counts, "videoFrames")
        count_buffers(self.pipeline.get_by_name("audioenc").get_static_pad("src"), self.counts, "audioBuffers")

    def transceivers(self) -> list:
        transceivers = []
        index = 0
        while (transceiver := self.webrtc.emit("get-transceiver", index)) is not None:
            transceivers.append(transceiver)
            index += 1
        return transceivers


class Subscriber(Peer):
    """recvonly audio + video, decoded; each decoded frame / audio buffer counted."""

    def __init__(self, args: argparse.Namespace):
        pipeline = Gst.Pipeline.new("subscriber")
        webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        pipeline.add(webrtc)
        super().__init__(args, pipeline)
        recvonly = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY
        video = webrtc.emit("add-transceiver", recvonly, Gst.Caps.from_string(VIDEO_CAPS + FEEDBACK))
        video.set_property("do-nack", True)  # RFC 4585 generic NACK toward the server
        webrtc.emit("add-transceiver", recvonly, Gst.Caps.from_string(AUDIO_CAPS))
        webrtc.connect("pad-added", self.on_pad_added)

    def on_pad_added(self, _webrtc, pad: Gst.Pad) -> None:
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        media = pad.get_current_caps().get_structure(0).get_string("media")
        if media == "video":
            # request-keyframe: a PLI when the depayloader sees a gap, as browsers do.
            chain, decoder, key = ("rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec name=dec",
                                   "dec", "videoFrames")
        elif media == "audio":
            chain, decoder, key = "rtpopusdepay ! opusdec name=dec", "dec", "audioBuffers"
        else:
            return
        bin_ = Gst.parse_bin_from_description(f"queue ! {chain} ! fakesink sync=false async=false", True)
        self.pipeline.add(bin_)
        bin_.sync_state_with_parent()
        count_buffers(bin_.get_by_name(decoder).get_static_pad("src"), self.counts, key)
        pad.link(bin_.get_static_pad("sink"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("publish", "subscribe"))
    parser.add_argument("--url", required=True, help="the WHIP endpoint (publish) or WHEP endpoint (subscribe)")
    parser.add_argument("--token", required=True, help="Bearer token")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between stats lines")
    parser.add_argument("--gather-timeout", type=float, default=10.0, help="seconds to wait for ICE gathering")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=30)
    args = parser.parse_args()
    Gst.init(None)
    peer = Publisher(args) if args.role == "publish" else Subscriber(args)
    return peer.run()


if __name__ == "__main__":
    sys.exit(main())
