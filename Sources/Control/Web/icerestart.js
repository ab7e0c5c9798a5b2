// ICE restart (RFC 8445 §9; docs/signaling.md "ice.restart"): when a laptop moves from Wi-Fi to
// cable, the ICE path of every PeerConnection dies but their DTLS associations need not. A restart
// keeps the session — the same publication and subscription ids, nothing for the others to see —
// where publishing again would end it for everyone. No DOM here: a PeerConnection-shaped object
// and a function that sends the offer are all it needs, so node --test can drive it.

/** How long ICE may say "disconnected" before we restart: Chrome flips to it after one lost
 * response (INTEROP-NOTES §2) and usually comes back by itself within a second or two. */
export const DISCONNECTED_GRACE_MS = 2500;

/** What ICE state asks for a restart: "failed" at once, "disconnected" after the grace period. */
export function restartDelay(iceState, graceMs = DISCONNECTED_GRACE_MS) {
  if (iceState === "failed") return 0;
  if (iceState === "disconnected") return graceMs;
  return null;
}

/**
 * Restarts ICE on `pc`: new local credentials in a fresh offer (with the candidates of the
 * network we are on now), `send(offer)` resolves with the server's answer, which is applied.
 */
export async function restartIce(pc, send, gather) {
  pc.restartIce();
  await pc.setLocalDescription(await pc.createOffer());
  if (gather) await gather(pc);
  const answer = await send(pc.localDescription.sdp);
  await pc.setRemoteDescription({ type: "answer", sdp: answer });
}

/**
 * Watches one PeerConnection's ICE state and calls `restart()` (which returns a promise) when it
 * asks for one; one restart at a time, and again if the state still asks after it. Returns
 * `{now(), stop()}`: `now()` restarts at once (a network change the page heard of first).
 */
export function watchIce(pc, restart, { graceMs = DISCONNECTED_GRACE_MS, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
  let timer = null;
  let running = false;
  let stopped = false;
  const run = async () => {
    timer = null;
    if (stopped || running) return;
    running = true;
    try {
      await restart();
    } finally {
      running = false;
      if (!stopped) schedule();
    }
  };
  const schedule = () => {
    if (timer !== null || running || stopped) return;
    const delay = restartDelay(pc.iceConnectionState, graceMs);
    if (delay === null) return;
    timer = setTimer(run, delay);
  };
  const onChange = () => {
    if (restartDelay(pc.iceConnectionState, graceMs) === null && timer !== null) {
      clearTimer(timer); // came back by itself
      timer = null;
    }
    schedule();
  };
  pc.addEventListener("iceconnectionstatechange", onChange);
  return {
    now: () => {
      if (timer !== null) { clearTimer(timer); timer = null; }
      return run();
    },
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      pc.removeEventListener("iceconnectionstatechange", onChange);
    },
  };
}
