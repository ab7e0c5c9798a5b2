// What the renderers draw, as plain data: the stage's tiles (stage.js), the control bar and the
// people list (controls.js), and the test hooks' state() (testing.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { initialState } = await load("state.js");
const { applyJoined } = await load("roster.js");
const { desiredTiles } = await load("stage.js");
const { controlsView, peopleView } = await load("controls.js");
const { snapshot } = await load("testing.js");

const track = { kind: "video", id: "cam" };
const fakeStream = (tracks) => ({ getVideoTracks: () => tracks.filter((t) => t.kind === "video"), getAudioTracks: () => tracks.filter((t) => t.kind === "audio") });

function meeting() {
  const state = initialState();
  state.name = "Me";
  state.phase = "meeting";
  state.local = { stream: fakeStream([track]), micOn: false, camOn: true, hasAudio: true, hasVideo: true, devices: {}, screen: null };
  applyJoined(state, {
    participantId: "me", room: {
      hostIds: ["me"],
      participants: [
        { id: "ada", name: "Ada", publications: [{ id: "c", source: "camera", kinds: ["audio", "video"], muted: { audio: true } }, { id: "s", source: "screen", kinds: ["video"] }] },
        { id: "bob", name: "Bob", state: "reconnecting" },
      ],
    },
  });
  return state;
}

test("the stage: our camera, then everyone's camera and screen share, each with what it shows", () => {
  const state = meeting();
  const remoteStream = fakeStream([]);
  state.streams.set("ada:camera", remoteStream);
  const tiles = desiredTiles(state);
  assert.deepEqual(tiles.map((t) => t.key), ["local:camera", "ada:camera", "ada:screen", "bob:camera"]);
  const [mine, ada, adaScreen, bob] = tiles;
  assert.equal(mine.stream, track, "our camera's track");
  assert.deepEqual(mine.view, { host: true, quality: null, muted: { audio: true, video: false } });
  assert.equal(ada.stream, remoteStream);
  assert.deepEqual(ada.view.muted, { audio: true, video: false });
  assert.deepEqual(adaScreen.view, { name: "Ada", state: "active", muted: { audio: false, video: false } });
  assert.equal(adaScreen.stream, null, "not received yet");
  assert.equal(bob.view.state, "reconnecting");
  assert.deepEqual(bob.view.muted, { audio: true, video: true }, "publishes nothing");
});

test("the stage: our screen share while sharing; nothing once the meeting ended or before joining", () => {
  const state = meeting();
  state.local.screen = fakeStream([]);
  assert.deepEqual(desiredTiles(state).slice(0, 2).map((t) => t.key), ["local:camera", "local:screen"]);
  state.phase = "ended";
  assert.deepEqual(desiredTiles(state), []);
  assert.deepEqual(desiredTiles(initialState()), []);
});

test("the control bar and the people list", () => {
  const state = meeting();
  assert.deepEqual(controlsView(state, true), {
    micOn: false, camOn: true, micAvailable: true, camAvailable: true, screenSharing: false, screenSupported: true,
    panel: null, unread: 0, peopleCount: 3, quality: null, locked: false,
  });
  const people = peopleView(state);
  assert.equal(people.selfIsHost, true);
  assert.deepEqual(people.people.map((p) => [p.id, p.self, p.muted.audio, p.muted.video]),
    [["me", true, true, false], ["ada", false, true, false], ["bob", false, true, true]]);
  state.phase = "joining";
  assert.equal(peopleView(state), null, "drawn only in the meeting");
});

test("window.cascade.state() has the documented shape", () => {
  const state = meeting();
  state.chat.push({ messageId: "m1", from: "ada", name: "Ada", text: "hi", ts: 1 });
  state.error = { code: "left", title: "You left the meeting", detail: "", retry: true };
  const sub = { publicationId: "c", counters: { videoFramesDecoded: 30, audioBytesReceived: 900 } };
  const view = snapshot(state, [sub]);
  assert.deepEqual(Object.keys(view).sort(), ["activeSpeaker", "chat", "connected", "error", "host", "locked", "muted", "name", "participantId",
    "participants", "phase", "quality", "room", "screenSharing"].sort());
  assert.equal(view.connected, false, "no socket");
  assert.deepEqual(view.error, { code: "left", title: "You left the meeting" });
  assert.deepEqual(view.muted, { audio: true, video: false });
  assert.deepEqual(view.participants[0], {
    id: "ada", name: "Ada", host: false, state: "active", quality: null, muted: { audio: true, video: false }, screen: true,
    videoFramesDecoded: 30, audioBytesReceived: 900, screenFramesDecoded: 0,
  });
  view.chat[0].text = "changed";
  assert.equal(state.chat[0].text, "hi", "a copy");
});
