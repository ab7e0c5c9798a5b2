// Keeping media alive: after a resume (keep what recovered by itself, renew what failed, drop
// what went away) and every few seconds while connected (self-repair). On top of
// publications.js and subscriptions.js, which own the PeerConnections.
import { store } from "./state.js";
import { waitForConnected, stopStream } from "./media.js";
import { publications, publishCamera, republish, restartPublication, cameraPublication, closePublications } from "./publications.js";
import { subscriptions, subscribeAll, repairSubscription, renewSubscription, restartSubscription, closeSubscription, closeSubscriptions } from "./subscriptions.js";

/** Every PeerConnection we have: for the `quality` report. */
export function peerConnections() {
  return [...publications(), ...subscriptions()].map((x) => x.pc).filter(Boolean);
}

const wantsCamera = (local) => local.hasAudio || local.hasVideo;

/** After `joined`: keep what recovered by itself, renew what failed, drop what went away. */
export async function recoverMedia(sameParticipant) {
  const jobs = [];
  for (const pub of publications()) {
    jobs.push((async () => {
      if (!sameParticipant) return republish(pub, false);
      // Ours still: keep it if it recovered by itself, else restart its ICE (it publishes
      // again only if that does not work).
      if (await waitForConnected(pub.pc, 5000)) return;
      await restartPublication(pub);
    })());
  }
  for (const sub of subscriptions()) {
    const entry = store.get().participants.get(sub.participantId);
    if (!entry || !entry.publications.has(sub.publicationId)) {
      closeSubscription(sub, sameParticipant);
      continue;
    }
    jobs.push((async () => {
      if (!sameParticipant) return renewSubscription(sub, true); // old subscription ids died with the old participant
      if (await waitForConnected(sub.pc, 5000)) return;
      await restartSubscription(sub);
    })());
  }
  const results = await Promise.allSettled(jobs);
  // What failed here is renewed by healMedia() within seconds; the console says what it was.
  for (const r of results) if (r.status === "rejected") console.warn("cascade: recovery", r.reason);
  subscribeAll();
  if (!cameraPublication() && wantsCamera(store.get().local)) publishCamera();
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
  const { phase, signaling, local } = store.get();
  if (phase !== "meeting" || !signaling) return;
  subscribeAll();
  for (const sub of subscriptions()) {
    if (!sub.closed && !sub.busy && !sub.repairing && unhealthy(sub.pc, sub.since)) repairSubscription(sub);
  }
  for (const pub of publications()) {
    // The next round tries again; the console says why this one failed.
    if (!pub.republishing && unhealthy(pub.pc, pub.since)) republish(pub, true).catch((e) => console.warn("cascade: republish", e));
  }
  if (!cameraPublication() && wantsCamera(local)) publishCamera();
}

/**
 * The page heard of a network change (back online, another connection type): restart ICE on
 * every PeerConnection that is not plainly connected, before ICE itself notices; the rest are
 * watched and restart when their ICE disconnects (icerestart.js).
 */
export function restartStaleIce() {
  if (store.get().phase !== "meeting") return;
  const settled = (pc) => pc && (pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed");
  for (const pub of publications()) if (!settled(pub.pc)) restartPublication(pub);
  for (const sub of subscriptions()) if (!settled(sub.pc)) restartSubscription(sub);
}

/** Every PeerConnection restarts ICE now (the test hook `restartIce`). */
export async function restartAllIce() {
  await Promise.all([...publications().map((pub) => restartPublication(pub)),
    ...subscriptions().map((sub) => restartSubscription(sub))]);
}

/** The meeting ended: every PeerConnection closes and the camera and microphone stop. */
export function closeAllMedia() {
  closeSubscriptions();
  closePublications();
  stopStream(store.get().local.stream);
}
