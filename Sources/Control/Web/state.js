// The meeting's state: its shape, the one store that holds it, and the small reducers for the
// chat, the event log, the side panel and the speakers. Participants are in roster.js. Pure: no
// DOM, no network (the tests in WebTests/ import it under Node).
import { createStore } from "./store.js";

export function initialState() {
  return {
    room: "",
    name: "",
    screen: null, // the screen shown: prejoin | joining | meeting | ended (none before the start)
    phase: "prejoin", // prejoin | joining | meeting | reconnecting | ended (window.cascade.state())
    token: null,
    tokenFromURL: false,
    signaling: null, // the open Signaling client, null while disconnected
    participantId: null,
    resumeToken: null,
    iceServers: [],
    limits: {},
    hostIds: new Set(),
    locked: false,
    quality: null, // ours, from the server
    participants: new Map(), // id → {id, name, host, state, quality, publications: Map(id → pub)}
    // Our devices: `stream` holds the live microphone and camera tracks; `screen` the shared screen.
    local: { stream: null, micOn: true, camOn: true, hasAudio: false, hasVideo: false, devices: {}, screen: null },
    streams: new Map(), // remote tile key ("ID:camera", "ID:screen") → the MediaStream received for it
    chat: [], // [{messageId, from, name, text, ts}]
    unread: 0,
    panel: null, // null | "chat" | "people"
    events: [], // [{type, participantId, at}], the last EVENT_LOG_SIZE server events
    activeSpeaker: null,
    speaking: new Map(), // participantId → audio level, from the last `speakers` event
    error: null, // {code, title, detail, retry} once the meeting ended
  };
}

/** The app's store (store.js). Creating it touches nothing outside this module. */
export const store = createStore(initialState());

export const EVENT_LOG_SIZE = 500;

export function logEvent(state, m, now = Date.now()) {
  state.events.push({ type: m.type, participantId: m.participantId || m.participant?.id, at: now });
  if (state.events.length > EVENT_LOG_SIZE) state.events.splice(0, state.events.length - EVENT_LOG_SIZE);
}

/**
 * A `chat` event (or our own message echoed back): appended once per messageId. Returns
 * {message, unseen} — unseen when someone else wrote it and the chat panel is closed (the
 * unread count went up) — or null for a repeat.
 */
export function receiveChat(state, m, nameOf = () => null, now = Date.now()) {
  if (m.messageId && state.chat.some((c) => c.messageId === m.messageId)) return null;
  const message = { messageId: m.messageId, from: m.from, name: m.name || nameOf(m.from) || "Someone", text: String(m.text ?? ""), ts: m.ts || now };
  state.chat.push(message);
  const unseen = message.from !== state.participantId && state.panel !== "chat";
  if (unseen) state.unread++;
  return { message, unseen };
}

/** Opens a side panel tab, or closes it when it is the open one; opening the chat reads it. */
export function togglePanel(state, which) {
  state.panel = state.panel === which ? null : which;
  if (state.panel === "chat") state.unread = 0;
}

/** A `speakers` event: the levels to show, and the loudest audible speaker becomes the active one. */
export function setSpeakers(state, list) {
  const loudest = list.find((s) => (s.level ?? 1) > 0.02);
  if (loudest) state.activeSpeaker = loudest.participantId;
  state.speaking = new Map(list.map((s) => [s.participantId, s.level ?? 1]));
}
