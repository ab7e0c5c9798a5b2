// Media: our publications (camera, screen; one sendonly PeerConnection each) and our
// subscriptions (one recvonly PeerConnection per remote publication), muting, screen sharing,
// pausing hidden video, and renewing what failed after a reconnection.
import { S, grid } from "/app/state.js";
import { SignalingError } from "/app/signaling.js";
import { createPublisher, createSubscriber, applyAnswer, waitForConnected, receiveCounters, stopStream, senderFor } from "/app/media.js";
import { Tile } from "/app/tiles.js";
import { toast } from "/app/panels.js";
import { openDevices } from "/app/prejoin.js";
import { describeMediaError } from "/app/words.js";
import { refreshLocalTile } from "/app/roster.js";
import { render, renderPeopleList } from "/app/controls.js";

// Local, not imported: modules in an import cycle must not touch each other's bindings at load.
const $ = (id) => document.getElementById(id);

export async function publish(source, tracks, stream, muted) {
  if (!S.signaling) throw new SignalingError("disconnected", "Not connected.");
  const pc = await createPublisher(S.iceServers, tracks, stream);
  let reply;
  try {
    reply = await S.signaling.request({ type: "publish", source, offer: pc.localDescription.sdp, muted });
    await applyAnswer(pc, reply.answer);
  } catch (error) {
    pc.close();
    throw error;
  }
  const pub = { source, pc, publicationId: reply.publicationId, stream, since: Date.now() };
  watchPublication(pub, pc);
  return pub;
}


/** The camera publication's tracks: a transceiver per device we have, null while it is off. */
function cameraTracks() {
  const tracks = {};
  if (S.local.hasAudio) tracks.audio = S.local.stream.getAudioTracks()[0] || null;
  if (S.local.hasVideo) tracks.video = S.local.camOn ? S.local.stream.getVideoTracks()[0] || null : null;
  return tracks;
}

function screenTracks(stream) {
  const tracks = { video: stream.getVideoTracks()[0] || null };
  if (stream.getAudioTracks()[0]) tracks.audio = stream.getAudioTracks()[0];
  return tracks;
}

export async function publishCamera() {
  if (S.camera || S.publishingCamera) return;
  const tracks = cameraTracks();
  if (!Object.keys(tracks).length) return;
  S.local.stream.getAudioTracks().forEach((t) => { t.enabled = S.local.micOn; });
  S.publishingCamera = true;
  try {
    S.camera = await publish("camera", tracks, S.local.stream, { audio: !S.local.micOn, video: !S.local.camOn });
    S.cameraWarned = false;
  } catch (error) {
    if (error.code === "forbidden") {
      toast("Your invitation lets you watch and listen, but not send video or sound.", "warn", 8000);
      S.local.hasAudio = S.local.hasVideo = false;
      stopStream(S.local.stream);
      S.local.micOn = S.local.camOn = false;
    } else if (!S.cameraWarned && error.code !== "disconnected") {
      // healMedia() tries again every few seconds; say it once.
      S.cameraWarned = true;
      toast(`Others cannot see or hear you yet (${error.message}). Retrying…`, "error", 8000);
    }
  } finally {
    S.publishingCamera = false;
  }
  refreshLocalTile();
  render();
}

export function watchPublication(pub, pc) {
  pc.addEventListener("connectionstatechange", () => {
    if (pub.pc !== pc || S.phase !== "meeting") return;
    if (pc.connectionState === "failed") republish(pub, true).catch(() => {});
  });
}


/** New PeerConnection for a publication whose transport failed; then unpublish the old id. */
export async function republish(pub, unpublishOld) {
  if (pub.republishing) return;
  pub.republishing = true;
  try {
    const tracks = pub.source === "camera" ? cameraTracks() : screenTracks(pub.stream);
    const muted = pub.source === "camera" ? { audio: !S.local.micOn, video: !S.local.camOn } : { audio: false, video: false };
    let fresh;
    try {
      fresh = await publish(pub.source, tracks, pub.stream, muted);
    } catch (error) {
      if (error.code !== "already_published") throw error;
      // The server allows one publication per source: end the old one first.
      await S.signaling?.request({ type: "unpublish", publicationId: pub.publicationId }).catch(() => {});
      unpublishOld = false;
      fresh = await publish(pub.source, tracks, pub.stream, muted);
    }
    const old = { pc: pub.pc, publicationId: pub.publicationId };
    pub.pc = fresh.pc;
    pub.since = fresh.since;
    pub.publicationId = fresh.publicationId;
    watchPublication(pub, fresh.pc);
    if (unpublishOld) S.signaling?.request({ type: "unpublish", publicationId: old.publicationId }).catch(() => {});
    old.pc.close();
  } finally {
    pub.republishing = false;
  }
}


/** Mutes or unmutes our microphone or camera; `notify` tells the server (not when a host did it). */
export async function setLocalMuted(kind, muted, notify = true) {
  if (kind === "audio") {
    if (!S.local.hasAudio) return;
    S.local.micOn = !muted;
    S.local.stream.getAudioTracks().forEach((t) => { t.enabled = !muted; });
  } else {
    if (!S.local.hasVideo) return;
    if (muted) {
      // Camera off: stop the track so the camera light goes off.
      S.local.camOn = false;
      const sender = S.camera && senderFor(S.camera.pc, "video");
      if (sender) await sender.replaceTrack(null).catch(() => {});
      S.local.stream.getVideoTracks().forEach((t) => { t.stop(); S.local.stream.removeTrack(t); });
    } else {
      const { stream, error } = await openDevices({ cameraId: S.local.devices.cameraId, audio: false, video: true });
      const track = stream.getVideoTracks()[0];
      if (!track) {
        toast(error || describeMediaError(null, "camera"), "error", 8000);
        render();
        return;
      }
      S.local.stream.addTrack(track);
      S.local.camOn = true;
      const sender = S.camera && senderFor(S.camera.pc, "video");
      if (sender) await sender.replaceTrack(track).catch(() => {});
    }
  }
  refreshLocalTile();
  render();
  renderPeopleList();
  if (notify && S.camera && S.signaling) {
    await S.signaling.request({ type: "mute", publicationId: S.camera.publicationId, kind, muted }).catch((e) => console.warn("cascade: mute", e));
  }
}


export async function startScreenShare() {
  if (S.screen || S.screenStarting) return;
  if (!navigator.mediaDevices?.getDisplayMedia) throw new Error("This browser cannot share the screen.");
  S.screenStarting = true;
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
  } catch (error) {
    S.screenStarting = false;
    // Cancelling the browser's picker is NotAllowedError too: that needs no message.
    if (error.name !== "NotAllowedError") toast(describeMediaError(error, "screen sharing"), "error", 7000);
    throw error;
  }
  const track = stream.getVideoTracks()[0];
  if ("contentHint" in track) track.contentHint = "detail";
  try {
    S.screen = await publish("screen", screenTracks(stream), stream, { audio: false, video: false });
  } catch (error) {
    stopStream(stream);
    toast(`Could not share your screen: ${error.message}`, "error");
    throw error;
  } finally {
    S.screenStarting = false;
  }
  track.addEventListener("ended", () => stopScreenShare()); // "Stop sharing" in the browser's bar
  const tile = new Tile({ key: "local:screen", participantId: S.participantId, source: "screen", local: true, name: S.name });
  grid.add(tile);
  tile.setStream(stream).catch(() => {});
  render();
}


export async function stopScreenShare() {
  const pub = S.screen;
  if (!pub) return;
  S.screen = null;
  grid.delete("local:screen");
  render();
  stopStream(pub.stream);
  pub.pc.close();
  await S.signaling?.request({ type: "unpublish", publicationId: pub.publicationId }).catch(() => {});
}


export function subscribeAll() {
  for (const entry of S.participants.values()) {
    for (const pub of entry.publications.values()) if (!pub.unavailable) subscribe(entry.id, pub);
  }
}

export async function subscribe(participantId, pub) {
  if (S.subs.has(pub.id) || !S.signaling) return;
  const sub = {
    publicationId: pub.id, participantId, source: pub.source, kinds: pub.kinds,
    pc: null, stream: null, subscriptionId: null, closed: false, visible: true, pausedVideo: false,
    counters: { videoFramesDecoded: 0, audioBytesReceived: 0, videoBytesReceived: 0 },
  };
  S.subs.set(pub.id, sub);
  try {
    await connectSubscription(sub);
  } catch (error) {
    if (sub.closed || error.code === "cancelled") return;
    if (error.code === "not_found") { pub.unavailable = true; S.subs.delete(pub.id); return; }
    console.warn("cascade: subscribe failed (healMedia retries)", error);
  }
}


export async function connectSubscription(sub) {
  if (!S.signaling) throw new SignalingError("disconnected");
  if (sub.busy) throw new SignalingError("cancelled", "already connecting");
  sub.busy = true;
  try {
    await openSubscription(sub);
  } finally {
    sub.busy = false;
  }
}

async function openSubscription(sub) {
  const { pc, stream } = await createSubscriber(S.iceServers, sub.kinds);
  let reply;
  try {
    reply = await S.signaling.request({ type: "subscribe", publicationId: sub.publicationId, offer: pc.localDescription.sdp });
    if (sub.closed) {
      S.signaling?.request({ type: "unsubscribe", subscriptionId: reply.subscriptionId }).catch(() => {});
      throw new SignalingError("cancelled");
    }
    await applyAnswer(pc, reply.answer);
  } catch (error) {
    pc.close();
    throw error;
  }
  const old = sub.pc ? { pc: sub.pc, subscriptionId: sub.subscriptionId } : null;
  sub.pc = pc;
  sub.since = Date.now();
  sub.stream = stream;
  sub.subscriptionId = reply.subscriptionId;
  sub.pausedVideo = false;
  pc.addEventListener("connectionstatechange", () => {
    if (sub.pc === pc && !sub.closed && pc.connectionState === "failed" && S.phase === "meeting") repairSubscription(sub);
  });
  attachSubscription(sub);
  if (old) {
    if (old.subscriptionId) S.signaling?.request({ type: "unsubscribe", subscriptionId: old.subscriptionId }).catch(() => {});
    old.pc.close();
  }
  if (!sub.visible) setPaused(sub, true);
}


export async function repairSubscription(sub) {
  if (sub.closed || sub.repairing || sub.busy || S.phase !== "meeting") return;
  sub.repairing = true;
  try {
    await connectSubscription(sub);
  } catch (error) {
    if (error.code === "not_found") closeSubscription(sub, false); // the publication is gone
    // Anything else: healMedia() tries again.
  } finally {
    sub.repairing = false;
  }
}


export function attachSubscription(sub) {
  const tile = grid.get(`${sub.participantId}:${sub.source}`);
  if (!tile || !sub.stream) return;
  tile.setSinkId(S.local.devices.speakerId);
  tile.setStream(sub.stream).catch(() => { $("sound-banner").hidden = false; });
}


export function closeSubscription(sub, tellServer) {
  sub.closed = true;
  S.subs.delete(sub.publicationId);
  if (tellServer && sub.subscriptionId) S.signaling?.request({ type: "unsubscribe", subscriptionId: sub.subscriptionId }).catch(() => {});
  sub.pc?.close();
  const tile = grid.get(`${sub.participantId}:${sub.source}`);
  if (tile && tile.stream === sub.stream) tile.setStream(null);
}


/** Tiles scrolled out of view (many people, a phone) stop receiving video: `pause`. */
export function onTileVisibility(tile, visible) {
  for (const sub of S.subs.values()) {
    if (sub.participantId !== tile.participantId || sub.source !== tile.source) continue;
    sub.visible = visible;
    clearTimeout(sub.visibilityTimer);
    sub.visibilityTimer = setTimeout(() => setPaused(sub, !sub.visible), visible ? 0 : 1000);
  }
}


export function setPaused(sub, paused) {
  if (!sub.kinds.includes("video") || !sub.subscriptionId || !S.signaling || sub.pausedVideo === paused) return;
  sub.pausedVideo = paused;
  S.signaling.request({ type: "pause", subscriptionId: sub.subscriptionId, kind: "video", paused })
    .catch(() => { sub.pausedVideo = !paused; });
}


/** After `joined`: keep what recovered by itself, renew what failed, drop what went away. */
export async function recoverMedia(sameParticipant) {
  const jobs = [];
  for (const pub of [S.camera, S.screen]) {
    if (!pub) continue;
    jobs.push((async () => {
      if (sameParticipant && await waitForConnected(pub.pc, 5000)) return;
      await republish(pub, sameParticipant);
    })());
  }
  for (const sub of [...S.subs.values()]) {
    const entry = S.participants.get(sub.participantId);
    if (!entry || !entry.publications.has(sub.publicationId)) {
      closeSubscription(sub, sameParticipant);
      continue;
    }
    jobs.push((async () => {
      if (sameParticipant && await waitForConnected(sub.pc, 5000)) return;
      if (!sameParticipant) sub.subscriptionId = null; // those ids died with the old participant
      await connectSubscription(sub);
    })());
  }
  const results = await Promise.allSettled(jobs);
  for (const r of results) if (r.status === "rejected") console.warn("cascade: recovery", r.reason);
  subscribeAll();
  if (!S.camera && (S.local.hasAudio || S.local.hasVideo)) publishCamera();
}


export async function refreshCounters() {
  await Promise.all([...S.subs.values()].map(async (sub) => {
    try { sub.counters = await receiveCounters(sub.pc); } catch { /* closed meanwhile */ }
  }));
}


const STUCK_MS = 20000; // a PeerConnection still not connected after this is renewed

function unhealthy(pc, since) {
  if (!pc) return true;
  const state = pc.connectionState;
  if (state === "failed" || state === "closed") return true;
  return (state === "new" || state === "connecting") && Date.now() - (since || 0) > STUCK_MS;
}

/**
 * Self-repair, every few seconds while connected: subscribe to any publication we miss, renew
 * failed or stuck PeerConnections, publish the camera if that has not worked yet. Covers the
 * races that a single retry cannot (a request lost with a dropped socket, an event sent to the
 * old socket while we were reconnecting).
 */
export function healMedia() {
  if (S.phase !== "meeting" || !S.signaling) return;
  subscribeAll();
  for (const sub of S.subs.values()) {
    if (!sub.closed && !sub.busy && !sub.repairing && unhealthy(sub.pc, sub.since)) repairSubscription(sub);
  }
  for (const pub of [S.camera, S.screen]) {
    if (pub && !pub.republishing && unhealthy(pub.pc, pub.since)) republish(pub, true).catch((e) => console.warn("cascade: republish", e));
  }
  if (!S.camera && (S.local.hasAudio || S.local.hasVideo)) publishCamera();
}
