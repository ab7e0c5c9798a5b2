// The meeting's state, shared by meeting.js (joining, events, recovery), roster.js (participants
// and tiles), calls.js (PeerConnections) and controls.js (buttons and panels).
import { Grid } from "/app/tiles.js";
import { onTileVisibility } from "/app/calls.js";

const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const RESUME_WINDOW_MS = 30000;

function roomFromPath() {
  const match = location.pathname.match(/^\/r\/([^/]+)/);
  try { return match ? decodeURIComponent(match[1]) : (params.get("room") || ""); } catch { return ""; }
}

export const S = {
  room: roomFromPath(),
  name: "",
  token: null,
  tokenFromURL: false,
  phase: "prejoin",
  signaling: null,
  participantId: null,
  resumeToken: null,
  iceServers: [],
  limits: {},
  hostIds: new Set(),
  locked: false,
  quality: null,
  participants: new Map(), // id → {id, name, host, state, quality, publications: Map(id → pub)}
  local: { stream: new MediaStream(), micOn: true, camOn: true, hasAudio: false, hasVideo: false, devices: {} },
  camera: null, // our camera publication {source, pc, publicationId, stream}
  screen: null, // our screen publication
  subs: new Map(), // publicationId → subscription
  chat: [],
  unread: 0,
  panel: null,
  events: [],
  activeSpeaker: null,
  intentional: false, // true after leave/removed/ended: a closed socket is then not a drop
  error: null,
  timers: [],
};


export const grid = new Grid($("stage"), (tile, visible) => onTileVisibility(tile, visible));
