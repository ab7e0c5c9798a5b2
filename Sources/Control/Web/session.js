// The signaling session: getting a token, joining, and keeping the place in the meeting when the
// connection drops (docs/signaling.md "Reconnection"), with pings that notice a dead socket.
import { store } from "./state.js";
import { Signaling, SignalingError, signalingURL } from "./signaling.js";
import { PROTOCOL_VERSION, RESUME_WINDOW_MS, CloseCode, FATAL_CODES, joinFailureForClose, endingForClose } from "./protocol.js";
import { applyJoined } from "./roster.js";
import { measureQuality } from "./media.js";
import { publishCamera } from "./publications.js";
import { subscribeAll, forgetPublications, refreshCounters } from "./subscriptions.js";
import { recoverMedia, healMedia, peerConnections } from "./recovery.js";
import { onEvent } from "./events.js";
import { fatal, untilEnd } from "./ending.js";
import { takeTokenFromAddress } from "./urltoken.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Joins with the token of ?token= (or an open-join one), then publishes and subscribes. */
export async function join() {
  store.update({ phase: "joining", screen: "joining" });
  try {
    let storage = null;
    try { storage = window.sessionStorage; } catch { /* blocked by the browser's settings */ }
    const given = takeTokenFromAddress(location.href, storage, (address) => history.replaceState(history.state, "", address));
    store.update({ tokenFromURL: !!given });
    store.update({ token: given || await openJoinToken() });
    await connect(null);
  } catch (error) {
    return fatal(error.code || "connect_failed", { message: error.message });
  }
  store.update({ phase: "meeting", screen: "meeting" });
  startTimers();
  subscribeAll();
  await publishCamera();
}


/** An open-join token from the server (docs/signaling.md; 404/403: a token is required). */
async function openJoinToken() {
  const { room, name } = store.get();
  let response;
  try {
    response = await fetch(`/v1/rooms/${encodeURIComponent(room)}/join`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
  } catch {
    throw new SignalingError("connect_failed"); // offline or the server is down: words.js says so
  }
  if ([401, 403, 404, 405].includes(response.status)) throw new SignalingError("token_required");
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: described below by its HTTP status */ }
  if (!response.ok || !body || typeof body.token !== "string") {
    throw new SignalingError(body?.error || body?.code || "internal", body?.reason || body?.message || `The server answered HTTP ${response.status}.`);
  }
  return body.token;
}


/** Opens the socket and sends `join` (with `resume` after a drop); resolves after `joined`. */
async function connect(resume) {
  const sig = new Signaling(signalingURL(location));
  sig.onevent = (message) => { if (store.get().signaling === sig) onEvent(message); };
  await sig.open(6000);
  let closeCode = null;
  sig.onclose = (code) => { closeCode = code; onSocketClosed(sig, code); };
  const { token, name } = store.get();
  const message = { type: "join", protocol: PROTOCOL_VERSION, token, name };
  if (resume) message.resume = resume;
  let joined;
  try {
    joined = await sig.request(message, 10000);
  } catch (error) {
    sig.close();
    if (error.code === "disconnected" || error.code === "timeout") {
      await sleep(50); // the close code may tell more than the missing reply
      const byClose = joinFailureForClose(closeCode);
      if (byClose) throw new SignalingError(byClose);
    }
    throw error;
  }
  forgetPublications(store.update((s) => {
    s.signaling = sig;
    return applyJoined(s, joined);
  }));
  return joined;
}


function onSocketClosed(sig, code) {
  const { signaling, phase } = store.get();
  if (sig !== signaling || phase === "ended") return;
  store.update({ signaling: null });
  const ending = endingForClose(code);
  if (ending) return fatal(ending);
  reconnect();
}


const ended = () => store.get().phase === "ended";

async function reconnect() {
  if (store.get().phase === "reconnecting" || ended()) return;
  store.update({ phase: "reconnecting", signaling: null });
  const deadline = Date.now() + RESUME_WINDOW_MS;
  const { participantId, resumeToken, tokenFromURL } = store.get();
  let resume = { participantId, resumeToken };
  let delay = 300;
  while (!ended()) {
    const previousId = store.get().participantId;
    try {
      await connect(resume);
      store.update({ phase: "meeting" });
      await recoverMedia(previousId === store.get().participantId);
      return;
    } catch (error) {
      if (ended()) return;
      if (FATAL_CODES.has(error.code)) return fatal(error.code);
      if (error.code === "unauthorized") {
        if (tokenFromURL) return fatal("unauthorized");
        try {
          store.update({ token: await openJoinToken() });
        } catch (tokenError) {
          console.warn("cascade: a new token", tokenError); // the next round asks again, until the deadline
        }
      } else if (error.code === "not_found" || error.code === "bad_message") {
        resume = null; // our place is gone: join as a new participant
      }
    }
    if (Date.now() + delay > deadline) break;
    await sleep(delay);
    delay = Math.min(delay * 2, 4000);
  }
  if (!ended()) fatal("connection_lost");
}


/** Timers while in the meeting: pings, the quality report, the counters, self-repair. */
function startTimers() {
  const timers = [setInterval(ping, 5000), setInterval(reportQuality, 3000), setInterval(refreshCounters, 1000), setInterval(healMedia, 3000)];
  untilEnd(() => timers.forEach(clearInterval));
}

/** A socket that stops answering (network gone, no FIN): give up on it after two missed pings. */
let missedPings = 0;

async function ping() {
  const sig = store.get().signaling;
  if (!sig || store.get().phase !== "meeting") return;
  try {
    await sig.request({ type: "ping" }, 4000);
    missedPings = 0;
  } catch (error) {
    if (error.code !== "timeout" || sig !== store.get().signaling) return; // closed: onSocketClosed handles it
    if (++missedPings >= 2) {
      missedPings = 0;
      sig.onclose = () => {}; // this drop is handled here, not as a close
      sig.close(CloseCode.unresponsive);
      store.update({ signaling: null });
      reconnect();
    }
  }
}

async function reportQuality() {
  if (!store.get().signaling || store.get().phase !== "meeting") return;
  const pcs = peerConnections();
  if (!pcs.length) return;
  const q = await measureQuality(pcs);
  store.get().signaling?.send({ type: "quality", packetLoss: q.packetLoss, rttMs: q.rttMs, jitterMs: q.jitterMs });
}
