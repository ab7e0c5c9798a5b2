// icerestart.js: when ICE asks for a restart, one restart at a time, and the offer/answer order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { restartDelay, restartIce, watchIce, DISCONNECTED_GRACE_MS } = await load("icerestart.js");

/** A PeerConnection as far as icerestart.js looks at one. */
function fakePeerConnection() {
  const listeners = new Set();
  const calls = [];
  return {
    iceConnectionState: "connected",
    calls,
    localDescription: null,
    addEventListener: (type, fn) => { if (type === "iceconnectionstatechange") listeners.add(fn); },
    removeEventListener: (type, fn) => listeners.delete(fn),
    set(state) { this.iceConnectionState = state; for (const fn of [...listeners]) fn(); },
    listenerCount: () => listeners.size,
    restartIce() { calls.push("restartIce"); },
    async createOffer() { calls.push("createOffer"); return { type: "offer", sdp: "v=0 new-ufrag" }; },
    async setLocalDescription(d) { calls.push("setLocalDescription"); this.localDescription = d; },
    async setRemoteDescription(d) { calls.push(`setRemoteDescription ${d.type} ${d.sdp}`); },
  };
}

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimer: (fn, ms) => { const id = next++; pending.set(id, { fn, ms }); return id; },
    clearTimer: (id) => pending.delete(id),
    pending,
    async fireAll() { const due = [...pending.values()]; pending.clear(); for (const t of due) await t.fn(); },
  };
}

test("failed restarts at once, disconnected after the grace period, anything else never", () => {
  assert.equal(restartDelay("failed"), 0);
  assert.equal(restartDelay("disconnected"), DISCONNECTED_GRACE_MS);
  for (const state of ["new", "checking", "connected", "completed", "closed"]) assert.equal(restartDelay(state), null);
});

test("restartIce: new credentials, the offer sent, the answer applied, in that order", async () => {
  const pc = fakePeerConnection();
  const sent = [];
  await restartIce(pc, async (offer) => { sent.push(offer); return "v=0 answer"; }, async () => pc.calls.push("gathered"));
  assert.deepEqual(pc.calls, ["restartIce", "createOffer", "setLocalDescription", "gathered", "setRemoteDescription answer v=0 answer"]);
  assert.deepEqual(sent, ["v=0 new-ufrag"]);
});

test("a disconnect that heals by itself within the grace period restarts nothing", async () => {
  const pc = fakePeerConnection();
  const timers = manualTimers();
  let restarts = 0;
  watchIce(pc, async () => { restarts += 1; }, timers);
  pc.set("disconnected");
  assert.equal(timers.pending.size, 1);
  pc.set("connected");
  assert.equal(timers.pending.size, 0, "the timer is cancelled");
  await timers.fireAll();
  assert.equal(restarts, 0);
});

test("a lasting disconnect restarts once, and again only if ICE still asks afterwards", async () => {
  const pc = fakePeerConnection();
  const timers = manualTimers();
  let restarts = 0;
  watchIce(pc, async () => { restarts += 1; if (restarts === 2) pc.iceConnectionState = "connected"; }, timers);
  pc.set("disconnected");
  pc.set("disconnected");
  assert.equal(timers.pending.size, 1, "one timer however often the state repeats");
  await timers.fireAll();
  assert.equal(restarts, 1);
  assert.equal(timers.pending.size, 1, "still disconnected after the restart: another one is scheduled");
  await timers.fireAll();
  assert.equal(restarts, 2);
  assert.equal(timers.pending.size, 0, "connected again: nothing more");
});

test("now() restarts at once; stop() ends the watch", async () => {
  const pc = fakePeerConnection();
  const timers = manualTimers();
  let restarts = 0;
  const watch = watchIce(pc, async () => { restarts += 1; }, timers);
  await watch.now();
  assert.equal(restarts, 1);
  watch.stop();
  assert.equal(pc.listenerCount(), 0);
  pc.set("failed");
  assert.equal(timers.pending.size, 0);
});
