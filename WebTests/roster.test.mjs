// roster.js and state.js: the reducers that turn the server's messages into the meeting's state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const roster = await load("roster.js");
const { initialState, logEvent, receiveChat, togglePanel, setSpeakers, EVENT_LOG_SIZE } = await load("state.js");

const camera = (id, extra = {}) => ({ id, source: "camera", kinds: ["audio", "video"], muted: { audio: false, video: false }, ...extra });

function joinedState() {
  const state = initialState();
  roster.applyJoined(state, {
    participantId: "me", resumeToken: "r1", iceServers: [{ urls: "stun:x" }], limits: { maxParticipants: 4 },
    room: {
      hostIds: ["me"], locked: true,
      participants: [
        { id: "ada", name: "Ada", publications: [camera("p-ada")] },
        { id: "bob", identity: "bob-1", state: "reconnecting", publications: [] },
      ],
    },
  });
  return state;
}

test("joined: who we are, the room, everyone in it", () => {
  const state = joinedState();
  assert.equal(state.participantId, "me");
  assert.equal(state.resumeToken, "r1");
  assert.equal(state.locked, true);
  assert.ok(roster.isHost(state));
  assert.deepEqual([...state.participants.keys()], ["ada", "bob"]);
  assert.equal(state.participants.get("bob").name, "bob-1", "the identity when there is no name");
  assert.equal(state.participants.get("bob").state, "reconnecting");
  assert.equal(roster.nameOf(state, "ada"), "Ada");
  assert.equal(roster.nameOf(state, "me"), "You");
  assert.equal(roster.nameOf(state, "self"), null);
});

test("a resume's joined drops who left meanwhile, and returns the publications that went with them", () => {
  const state = joinedState();
  state.activeSpeaker = "ada";
  const dropped = roster.applyJoined(state, { participantId: "me", resumeToken: "r2", room: { participants: [{ id: "bob", name: "Bob", publications: [camera("p-bob")] }] } });
  assert.deepEqual(dropped, ["p-ada"]);
  assert.deepEqual([...state.participants.keys()], ["bob"]);
  assert.equal(state.activeSpeaker, null, "the active speaker left");
  assert.equal(state.locked, false);
  assert.ok(!roster.isHost(state));
});

test("upsert: fresh once, publications replaced by the server's view", () => {
  const state = joinedState();
  const first = roster.upsertParticipant(state, { id: "cy", name: "Cy", publications: [camera("c1"), { id: "s1", source: "screen" }] });
  assert.equal(first.fresh, true);
  assert.deepEqual(first.entry.publications.get("s1"), { id: "s1", source: "screen", kinds: ["audio", "video"], muted: { audio: false, video: false } });
  const again = roster.upsertParticipant(state, { id: "cy", name: "Cy", publications: [camera("c2")] });
  assert.equal(again.fresh, false);
  assert.deepEqual(again.dropped, ["c1", "s1"]);
  assert.equal(roster.publicationOf(again.entry, "camera").id, "c2");
  assert.equal(roster.publicationOf(again.entry, "screen"), null);
});

test("the newest publication of a source wins; muted marks count a kind not sent as off", () => {
  const state = joinedState();
  const { entry } = roster.upsertParticipant(state, { id: "cy", publications: [camera("old"), camera("new", { kinds: ["video"], muted: { video: true } })] });
  assert.equal(roster.publicationOf(entry, "camera").id, "new");
  assert.deepEqual(roster.cameraMuted(entry), { audio: true, video: true });
  assert.deepEqual(roster.cameraMuted({ publications: new Map() }), { audio: true, video: true });
  assert.deepEqual(roster.cameraMuted(state.participants.get("ada")), { audio: false, video: false });
});

test("remove and hosts", () => {
  const state = joinedState();
  assert.deepEqual(roster.removeParticipant(state, "ada"), ["p-ada"]);
  assert.deepEqual(roster.removeParticipant(state, "nobody"), []);
  roster.setHosts(state, ["bob"]);
  assert.equal(state.participants.get("bob").host, true);
  assert.ok(!roster.isHost(state));
  roster.setHosts(state, "not a list");
  assert.equal(state.hostIds.size, 0);
});

test("chat: once per messageId; someone else's message counts as unread while the chat is closed", () => {
  const state = joinedState();
  const name = (id) => roster.nameOf(state, id);
  const first = receiveChat(state, { messageId: "m1", from: "ada", text: "hi", ts: 5 }, name);
  assert.deepEqual(first, { message: { messageId: "m1", from: "ada", name: "Ada", text: "hi", ts: 5 }, unseen: true });
  assert.equal(receiveChat(state, { messageId: "m1", from: "ada", text: "hi" }, name), null);
  assert.equal(receiveChat(state, { messageId: "m2", from: "me", text: "mine" }, name).unseen, false);
  assert.equal(state.unread, 1);
  togglePanel(state, "chat");
  assert.equal(state.unread, 0, "opening the chat reads it");
  assert.equal(receiveChat(state, { messageId: "m3", from: "bob", text: 42 }, name).message.text, "42");
  assert.equal(state.unread, 0, "the open chat shows it");
  togglePanel(state, "chat");
  assert.equal(state.panel, null);
  togglePanel(state, "people");
  assert.equal(state.panel, "people");
});

test("speakers: the loudest audible one becomes active and stays so in silence", () => {
  const state = joinedState();
  setSpeakers(state, [{ participantId: "bob", level: 0.01 }, { participantId: "ada", level: 0.5 }]);
  assert.equal(state.activeSpeaker, "ada");
  assert.equal(state.speaking.get("bob"), 0.01);
  setSpeakers(state, [{ participantId: "bob", level: 0.01 }]);
  assert.equal(state.activeSpeaker, "ada");
  setSpeakers(state, [{ participantId: "bob" }]);
  assert.equal(state.activeSpeaker, "bob", "no level means speaking");
});

test("the event log keeps the last EVENT_LOG_SIZE events", () => {
  const state = initialState();
  for (let i = 0; i < EVENT_LOG_SIZE + 20; i++) logEvent(state, { type: "speakers" }, i);
  logEvent(state, { type: "participant.joined", participant: { id: "ada" } }, 9999);
  assert.equal(state.events.length, EVENT_LOG_SIZE);
  assert.deepEqual(state.events.at(-1), { type: "participant.joined", participantId: "ada", at: 9999 });
});
