// WebRTC helpers: one PeerConnection per publication (sendonly) and one per subscription
// (recvonly), both offered by us (docs/signaling.md "Media model"), plus the stats we report.

/**
 * Waits until ICE gathering completes, or `maxMs`: the media node is ICE-lite and does not take
 * trickled candidates, so the offer must carry them. Host candidates come within milliseconds;
 * a slow STUN/TURN server must not hold the call up for long.
 */
export function waitForIceGathering(pc, maxMs = 2000) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => { if (pc.iceGatheringState === "complete") done(); };
    const timer = setTimeout(done, maxMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function newPeerConnection(iceServers) {
  return new RTCPeerConnection({ iceServers: iceServers || [], bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
}

/**
 * A publication: one sendonly transceiver per entry of `tracks` ({audio, video}). A null track
 * still gets its transceiver (camera off at join): turning it on later is a replaceTrack, with
 * no renegotiation.
 */
export async function createPublisher(iceServers, tracks, stream) {
  const pc = newPeerConnection(iceServers);
  for (const kind of ["audio", "video"]) {
    if (!(kind in tracks)) continue;
    pc.addTransceiver(tracks[kind] || kind, { direction: "sendonly", streams: [stream] });
  }
  await pc.setLocalDescription(await pc.createOffer());
  await waitForIceGathering(pc);
  return pc;
}

/** The sender of a publication's audio or video transceiver. */
export function senderFor(pc, kind) {
  const transceiver = pc.getTransceivers().find((t) => t.sender && (t.sender.track?.kind === kind || t.receiver.track?.kind === kind));
  return transceiver ? transceiver.sender : null;
}

/** A subscription: recvonly transceivers for the publication's kinds; tracks land in one stream. */
export async function createSubscriber(iceServers, kinds) {
  const pc = newPeerConnection(iceServers);
  const stream = new MediaStream();
  pc.addEventListener("track", (event) => {
    for (const old of stream.getTracks().filter((t) => t.kind === event.track.kind)) stream.removeTrack(old);
    stream.addTrack(event.track);
  });
  const wanted = kinds && kinds.length ? kinds : ["audio", "video"];
  if (wanted.includes("audio")) pc.addTransceiver("audio", { direction: "recvonly" });
  if (wanted.includes("video")) pc.addTransceiver("video", { direction: "recvonly" });
  await pc.setLocalDescription(await pc.createOffer());
  await waitForIceGathering(pc);
  return { pc, stream };
}

/** Applies the server's SDP answer. */
export function applyAnswer(pc, sdp) {
  return pc.setRemoteDescription({ type: "answer", sdp });
}

/** Resolves true once the PeerConnection is connected, false if it fails or `maxMs` passes. */
export function waitForConnected(pc, maxMs) {
  if (pc.connectionState === "connected") return Promise.resolve(true);
  return new Promise((resolve) => {
    const check = () => {
      const state = pc.connectionState;
      if (state === "connected" || state === "failed" || state === "closed") finish(state === "connected");
    };
    const finish = (ok) => {
      clearTimeout(timer);
      pc.removeEventListener("connectionstatechange", check);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(pc.connectionState === "connected"), maxMs);
    pc.addEventListener("connectionstatechange", check);
  });
}

/** Frames decoded and audio bytes received on a subscription (for the test hooks). */
export async function receiveCounters(pc) {
  const counters = { videoFramesDecoded: 0, audioBytesReceived: 0, videoBytesReceived: 0 };
  if (!pc || pc.connectionState === "closed") return counters;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type !== "inbound-rtp") return;
    if (s.kind === "video") {
      counters.videoFramesDecoded += s.framesDecoded || 0;
      counters.videoBytesReceived += s.bytesReceived || 0;
    } else if (s.kind === "audio") {
      counters.audioBytesReceived += s.bytesReceived || 0;
    }
  });
  return counters;
}

const previousTotals = new WeakMap();

/**
 * Loss, round-trip time and jitter over all our PeerConnections since the last call, for the
 * `quality` message: loss we see on what we receive (inbound-rtp deltas) and what the media node
 * reports on what we send (remote-inbound-rtp fractionLost); the worst RTT and jitter.
 */
export async function measureQuality(pcs) {
  let lost = 0;
  let received = 0;
  let sendLoss = 0;
  let rtt = 0;
  let jitter = 0;
  for (const pc of pcs) {
    if (!pc || pc.connectionState === "closed") continue;
    let report;
    try { report = await pc.getStats(); } catch { continue; } // closed meanwhile: it has nothing to report
    let pcLost = 0;
    let pcReceived = 0;
    report.forEach((s) => {
      if (s.type === "inbound-rtp") {
        pcLost += Math.max(0, s.packetsLost || 0);
        pcReceived += s.packetsReceived || 0;
        jitter = Math.max(jitter, (s.jitter || 0) * 1000);
      } else if (s.type === "remote-inbound-rtp") {
        sendLoss = Math.max(sendLoss, s.fractionLost || 0);
        if (s.roundTripTime) rtt = Math.max(rtt, s.roundTripTime * 1000);
        jitter = Math.max(jitter, (s.jitter || 0) * 1000);
      } else if (s.type === "candidate-pair" && (s.nominated || s.selected) && s.state === "succeeded") {
        if (s.currentRoundTripTime) rtt = Math.max(rtt, s.currentRoundTripTime * 1000);
      }
    });
    const before = previousTotals.get(pc) || { lost: 0, received: 0 };
    previousTotals.set(pc, { lost: pcLost, received: pcReceived });
    lost += Math.max(0, pcLost - before.lost);
    received += Math.max(0, pcReceived - before.received);
  }
  const receiveLoss = lost + received > 0 ? lost / (lost + received) : 0;
  return {
    packetLoss: Math.min(1, Math.max(receiveLoss, sendLoss)),
    rttMs: Math.round(rtt),
    jitterMs: Math.round(jitter * 10) / 10,
  };
}

/** Stops every track of a stream (camera light off). */
export function stopStream(stream) {
  if (stream) for (const track of stream.getTracks()) track.stop();
}
