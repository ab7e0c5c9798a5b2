// How a meeting ends — left, removed, ended by a host, or a failure — and what ending releases.
// The error screen shows state.error (screens.js).
import { store } from "./state.js";
import { describeError } from "./words.js";
import { closeAllMedia } from "./recovery.js";

const cleanups = [];

/** Runs `release` once, when the meeting ends (timers of session.js). */
export function untilEnd(release) {
  cleanups.push(release);
}

/** Ends the meeting with `code` (words.js describes it); a second call changes nothing. */
export function fatal(code, extra = {}) {
  const { phase, signaling, limits } = store.get();
  if (phase === "ended") return;
  const described = describeError(code, { ...extra, maxParticipants: limits.maxParticipants });
  store.update((s) => {
    s.error = { code, ...described };
    s.phase = "ended";
    s.screen = "ended";
    s.signaling = null;
  });
  signaling?.close();
  for (const release of cleanups.splice(0)) release();
  closeAllMedia();
}

/** Leaves on purpose: the server hears `leave` before the socket closes. */
export async function leave() {
  if (store.get().phase === "ended") return;
  store.get().signaling?.send({ type: "leave" });
  fatal("left");
}
