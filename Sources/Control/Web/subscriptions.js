// What we receive: one recvonly PeerConnection per remote publication, repaired when its
// transport fails, paused while its tile is out of view. The PeerConnections are kept here; the
// streams they deliver go to the store (state.streams), where the stage picks them up.
import { store } from "./state.js";
import { SignalingError } from "./signaling.js";
import { createSubscriber, applyAnswer, receiveCounters, waitForIceGathering, waitForConnected } from "./media.js";
import { restartIce, watchIce } from "./icerestart.js";

/**
 * publicationId → {publicationId, participantId, source, kinds, pc, stream, subscriptionId,
 * closed, visible, pausedVideo, busy, repairing, since, counters}.
 */
const subs = new Map();

export const subscriptions = () => [...subs.values()];

const tileKey = (sub) => `${sub.participantId}:${sub.source}`;

/** Asks the server to end a subscription we no longer use. */
function unsubscribe(subscriptionId) {
  store.get().signaling?.request({ type: "unsubscribe", subscriptionId })
    // Not found or disconnected: the server ends it with the publication or the old
    // participant anyway; we already closed our side.
    .catch((error) => console.warn("cascade: unsubscribe", error));
}

/** Subscribes to every publication of the room we do not receive yet. */
export function subscribeAll() {
  for (const entry of store.get().participants.values()) {
    for (const pub of entry.publications.values()) if (!pub.unavailable) subscribe(entry.id, pub);
  }
}

export async function subscribe(participantId, pub) {
  if (subs.has(pub.id) || !store.get().signaling) return;
  const sub = {
    publicationId: pub.id, participantId, source: pub.source, kinds: pub.kinds,
    pc: null, stream: null, subscriptionId: null, closed: false, visible: true, pausedVideo: false,
    counters: { videoFramesDecoded: 0, audioBytesReceived: 0, videoBytesReceived: 0 },
  };
  subs.set(pub.id, sub);
  try {
    await connectSubscription(sub);
  } catch (error) {
    if (sub.closed || error.code === "cancelled") return;
    if (error.code === "not_found") {
      store.update(() => { pub.unavailable = true; }); // gone before we asked: no retries
      subs.delete(pub.id);
      return;
    }
    // A dropped socket or a media hiccup: healMedia() tries again every few seconds.
    console.warn("cascade: subscribe failed (healMedia retries)", error);
  }
}

async function connectSubscription(sub) {
  if (!store.get().signaling) throw new SignalingError("disconnected");
  if (sub.busy) throw new SignalingError("cancelled", "already connecting");
  sub.busy = true;
  try {
    await openSubscription(sub);
  } finally {
    sub.busy = false;
  }
}

async function openSubscription(sub) {
  const { signaling, iceServers } = store.get();
  const { pc, stream } = await createSubscriber(iceServers, sub.kinds);
  let reply;
  try {
    reply = await signaling.request({ type: "subscribe", publicationId: sub.publicationId, offer: pc.localDescription.sdp });
    if (sub.closed) {
      unsubscribe(reply.subscriptionId);
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
  sub.ice?.stop();
  sub.ice = watchIce(pc, () => restartSubscription(sub, pc));
  store.update((s) => { s.streams.set(tileKey(sub), stream); });
  if (old) {
    if (old.subscriptionId) unsubscribe(old.subscriptionId);
    old.pc.close();
  }
  if (!sub.visible) setPaused(sub, true);
}

/** A new PeerConnection for a subscription whose transport failed or never connected. */
export async function repairSubscription(sub) {
  if (sub.closed || sub.repairing || sub.busy || store.get().phase !== "meeting") return;
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

/** Renews a subscription after a resume (recovery.js); `freshIds`: the old ids died with us. */
export function renewSubscription(sub, freshIds) {
  if (freshIds) sub.subscriptionId = null;
  return connectSubscription(sub);
}

/** A restarted PeerConnection that is not connected again by then is subscribed anew. */
const RESTART_TIMEOUT_MS = 8000;

/** ICE restart first (the subscription keeps its id); a new subscription only if that fails. */
export async function restartSubscription(sub, pc = sub.pc) {
  if (sub.pc !== pc || sub.closed || sub.busy || sub.repairing || store.get().phase !== "meeting") return;
  try {
    const { signaling } = store.get();
    if (!signaling || !sub.subscriptionId) throw new SignalingError("disconnected", "Not connected.");
    await restartIce(pc, async (offer) => (await signaling.request({ type: "ice.restart", subscriptionId: sub.subscriptionId, offer })).answer,
      waitForIceGathering);
    if (!(await waitForConnected(pc, RESTART_TIMEOUT_MS))) throw new Error("not connected again after the ICE restart");
  } catch (error) {
    if (sub.pc !== pc || sub.closed) return;
    console.warn("cascade: ICE restart of a subscription did not work; subscribing again", error);
    await repairSubscription(sub);
  }
}

export function closeSubscription(sub, tellServer) {
  sub.ice?.stop();
  sub.closed = true;
  subs.delete(sub.publicationId);
  if (tellServer && sub.subscriptionId) unsubscribe(sub.subscriptionId);
  sub.pc?.close();
  store.update((s) => { if (s.streams.get(tileKey(sub)) === sub.stream) s.streams.delete(tileKey(sub)); });
}

/**
 * Publications that left the roster (roster.js returns their ids): the media node ends those
 * subscriptions itself (docs/signaling.md, track.unpublished), so the server is not told.
 */
export function forgetPublications(publicationIds) {
  for (const id of publicationIds) {
    const sub = subs.get(id);
    if (sub) closeSubscription(sub, false);
  }
}

/** Tiles scrolled out of view (many people, a phone) stop receiving video: `pause`. */
export function onTileVisibility(tile, visible) {
  for (const sub of subs.values()) {
    if (sub.participantId !== tile.participantId || sub.source !== tile.source) continue;
    sub.visible = visible;
    clearTimeout(sub.visibilityTimer);
    sub.visibilityTimer = setTimeout(() => setPaused(sub, !sub.visible), visible ? 0 : 1000);
  }
}

function setPaused(sub, paused) {
  const { signaling } = store.get();
  if (!sub.kinds.includes("video") || !sub.subscriptionId || !signaling || sub.pausedVideo === paused) return;
  sub.pausedVideo = paused;
  signaling.request({ type: "pause", subscriptionId: sub.subscriptionId, kind: "video", paused })
    // Not applied: remember that, so the next visibility change asks again.
    .catch(() => { sub.pausedVideo = !paused; });
}

/** Refreshes every subscription's counters from getStats() (for the test hooks). */
export async function refreshCounters() {
  await Promise.all([...subs.values()].map(async (sub) => {
    try { sub.counters = await receiveCounters(sub.pc); } catch { /* closed meanwhile: the counters stay as they were */ }
  }));
}

/** The meeting ended: close everything we receive. */
export function closeSubscriptions() {
  for (const sub of subs.values()) { sub.closed = true; sub.pc?.close(); }
  subs.clear();
  store.update((s) => { s.streams.clear(); });
}
