/*
 * The meeting page, /r/{room}: pre-join, then the meeting, speaking docs/signaling.md (protocol 1)
 * over ws(s)://HOST/rtc. Media: one publish PeerConnection per source (camera, screen) and one
 * subscribe PeerConnection per remote publication, all offered by us.
 *
 * Files (ES modules, no build step): meeting.js (joining, server events, reconnection, ending,
 * test hooks), state.js (shared state), roster.js (participants and tiles), calls.js
 * (PeerConnections, mute, screen share, pause, self-repair), controls.js (buttons, panels, host
 * actions), panels.js / tiles.js (rendering), signaling.js, media.js, prejoin.js, words.js, icons.js.
 *
 * URL parameters: ?name=NAME&autojoin=1 joins at once with the default devices (tests, kiosks);
 * ?token=JWT uses that token (needed when the server runs with --require-token).
 *
 * Test hooks (read-only views and actions), on window.cascade:
 *   state() → {phase: "prejoin"|"joining"|"meeting"|"reconnecting"|"ended", connected: bool,
 *              room, participantId, name, host: bool, locked: bool, screenSharing: bool,
 *              muted: {audio, video} (our own), quality (ours, from the server),
 *              activeSpeaker: participantId|null, error: {code, title}|null,
 *              participants: [{id, name, host, state: "active"|"reconnecting", quality,
 *                              muted: {audio, video}, screen: bool, videoFramesDecoded,
 *                              audioBytesReceived, screenFramesDecoded}],   (everyone else)
 *              chat: [{messageId, from, name, text, ts}]}
 *            Counters are refreshed every second from getStats(); stats() refreshes them now.
 *   stats() → Promise of state() with fresh counters.
 *   events() → the server events received so far: [{type, participantId?, at}] (last 500).
 *   connections() → {publications: [{source, publicationId, state, ice}],
 *                    subscriptions: [{publicationId, subscriptionId, participantId, source, state, ice, pausedVideo}]}
 *   sendChat(text) → Promise<messageId>        toggleMute(kind) → Promise<muted: bool>
 *   setMuted(kind, muted) → Promise            startScreenShare() / stopScreenShare() → Promise
 *   hostMute(participantId, kind) → Promise    hostRemove(participantId) → Promise
 *   hostLock(locked) → Promise                 hostEnd() → Promise        leave() → Promise
 *
 * data-testid conventions: every tile is [data-testid=tile][data-participant-id=ID]
 * [data-source=camera|screen][data-local=true|false] with data-audio-muted / data-video-muted
 * ("true"/"false") and data-state; inside it tile-name, tile-mic-muted, tile-cam-muted (shown =
 * not [hidden]), tile-quality (data-quality), tile-host, tile-reconnecting. Chat messages are
 * [data-testid=chat-message][data-message-id][data-from] with a chat-text inside. Controls:
 * btn-mic, btn-camera, btn-screen, btn-chat (badge chat-unread), btn-people, btn-invite,
 * btn-leave, chat-input, chat-send; people: participant-row[data-participant-id] with
 * host-mute-audio, host-mute-video, host-remove (press twice); host-lock, host-end (twice).
 * Screens: prejoin, meeting, error-screen (data-error-code), banner-reconnecting. btn-mic,
 * btn-camera, btn-screen carry data-on="true|false"; the stage ([data-testid=stage]) carries
 * data-layout = 1 | 2 | 4 | 9 | many | screen and data-count.
 *
 * Screen sharing in headless Chromium (Debian 12's chromium 156.0.8078, checked): with
 * --use-fake-device-for-media-stream --use-fake-ui-for-media-stream, getDisplayMedia() picks a fake
 * screen ("screen:-3:0") without a prompt and without a user gesture, so both
 * window.cascade.startScreenShare() from a script and a click on [data-testid=btn-screen] work.
 * --auto-select-desktop-capture-source / --auto-accept-this-tab-capture are not needed (harmless).
 * Firefox (checked with firefox-esr 153 headless, fake devices) needs a real click for
 * getDisplayMedia, and ignores 127.0.0.1 candidates: give it a media node on a non-loopback address.
 */
import { Signaling, SignalingError, signalingURL, PROTOCOL_VERSION } from "/app/signaling.js";
import { measureQuality, stopStream } from "/app/media.js";
import { toast, showReconnecting, addChatMessage } from "/app/panels.js";
import { runPrejoin, quickDevices, rememberedName } from "/app/prejoin.js";
import { describeError, ROOM_PATTERN } from "/app/words.js";
import { S, grid, params, sleep, RESUME_WINDOW_MS } from "/app/state.js";
import { normalizePublication, upsertParticipant, removeParticipant, dropPublication, publicationOf, updateParticipantTiles, ensureLocalTiles, refreshLocalTile, isHost, nameOf } from "/app/roster.js";
import { publishCamera, subscribe, subscribeAll, repairSubscription, setLocalMuted, startScreenShare, stopScreenShare, recoverMedia, refreshCounters, healMedia } from "/app/calls.js";
import { render, renderPeopleList, sendChat, hostMute, hostRemove, hostLock, hostEnd } from "/app/controls.js";

// Local, not imported: modules in an import cycle must not touch each other's bindings at load.
const $ = (id) => document.getElementById(id);

const FATAL_CODES = new Set(["room_ended", "room_locked", "room_full", "too_many_rooms", "unsupported_protocol", "token_required", "removed", "rejected", "replaced"]);

function show(screen) {
  for (const id of ["prejoin", "joining", "meeting", "ended"]) $(id).hidden = id !== screen;
}


// MARK: - Joining


async function boot() {
  document.title = `${S.room} — Cascade`;
  $("room-title").textContent = S.room;
  $("joining-room").textContent = S.room;
  if (!ROOM_PATTERN.test(S.room)) return fatal("bad_room");
  let media;
  if (params.get("autojoin") === "1" || params.get("autojoin") === "true") {
    S.name = (params.get("name") || rememberedName() || "Guest").trim().slice(0, 64) || "Guest";
    show("joining");
    media = await quickDevices();
    if (media.error) setTimeout(() => toast(media.error, "warn", 8000), 500);
  } else {
    if (params.get("name") && !rememberedName()) $("display-name").value = params.get("name");
    show("prejoin");
    media = await runPrejoin(S.room);
    if (params.get("name") && !$("display-name").value) media.name = params.get("name");
    S.name = media.name;
  }
  S.local = {
    stream: media.stream,
    micOn: media.micOn && media.stream.getAudioTracks().length > 0,
    camOn: media.camOn && media.stream.getVideoTracks().length > 0,
    hasAudio: media.stream.getAudioTracks().length > 0,
    hasVideo: media.camWanted,
    devices: media.devices || {},
  };
  await join();
}


async function join() {
  show("joining");
  S.phase = "joining";
  try {
    S.token = await obtainToken();
    await connect(null);
  } catch (error) {
    return fatal(error.code || "connect_failed", { message: error.message });
  }
  S.phase = "meeting";
  show("meeting");
  render();
  renderPeopleList();
  startTimers();
  subscribeAll();
  await publishCamera();
}


/** A token from ?token=, or an open-join token from the server (404/403: a token is required). */
async function obtainToken() {
  const given = params.get("token");
  if (given) {
    S.tokenFromURL = true;
    return given;
  }
  let response;
  try {
    response = await fetch(`/v1/rooms/${encodeURIComponent(S.room)}/join`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: S.name }),
    });
  } catch {
    throw new SignalingError("connect_failed");
  }
  if ([401, 403, 404, 405].includes(response.status)) throw new SignalingError("token_required");
  let body = null;
  try { body = await response.json(); } catch { /* described below */ }
  if (!response.ok || !body || typeof body.token !== "string") {
    throw new SignalingError(body?.error || body?.code || "internal", body?.reason || body?.message || `The server answered HTTP ${response.status}.`);
  }
  return body.token;
}


/** Opens the socket and sends `join` (with `resume` after a drop); resolves after `joined`. */
async function connect(resume) {
  const sig = new Signaling(signalingURL());
  sig.onevent = (message) => { if (S.signaling === sig) onEvent(message); };
  await sig.open(6000);
  let closeCode = null;
  sig.onclose = (code) => { closeCode = code; onSocketClosed(sig, code); };
  const message = { type: "join", protocol: PROTOCOL_VERSION, token: S.token, name: S.name };
  if (resume) message.resume = resume;
  let joined;
  try {
    joined = await sig.request(message, 10000);
  } catch (error) {
    sig.close();
    if (error.code === "disconnected" || error.code === "timeout") {
      await sleep(50); // the close code may tell more than the missing reply
      const byClose = { 4401: "unauthorized", 4410: "room_ended", 4403: "rejected" }[closeCode];
      if (byClose) throw new SignalingError(byClose);
    }
    throw error;
  }
  S.signaling = sig;
  applyJoined(joined);
  return joined;
}


function applyJoined(joined) {
  S.participantId = joined.participantId;
  S.resumeToken = joined.resumeToken;
  S.iceServers = Array.isArray(joined.iceServers) ? joined.iceServers : [];
  S.limits = joined.limits || {};
  const room = joined.room || {};
  S.hostIds = new Set(room.hostIds || []);
  S.locked = !!room.locked;
  const fresh = new Map((room.participants || []).map((p) => [p.id, p]));
  for (const id of [...S.participants.keys()]) if (!fresh.has(id)) removeParticipant(id);
  for (const p of fresh.values()) upsertParticipant(p);
  ensureLocalTiles();
}


// MARK: - Events from the server


function onEvent(m) {
  S.events.push({ type: m.type, participantId: m.participantId || m.participant?.id, at: Date.now() });
  if (S.events.length > 500) S.events.splice(0, S.events.length - 500);
  switch (m.type) {
    case "participant.joined": {
      if (!m.participant || m.participant.id === S.participantId) break;
      const fresh = !S.participants.has(m.participant.id);
      const entry = upsertParticipant(m.participant);
      if (fresh) announcePresence(`${entry.name} joined`);
      subscribeAll();
      render();
      renderPeopleList();
      break;
    }
    case "participant.left": {
      const entry = S.participants.get(m.participantId);
      if (!entry) break;
      removeParticipant(m.participantId);
      const how = { removed: "was removed", timeout: "lost their connection", ended: "left" }[m.reason] || "left";
      announcePresence(`${entry.name} ${how}`);
      render();
      renderPeopleList();
      break;
    }
    case "participant.reconnecting":
    case "participant.reconnected": {
      const entry = S.participants.get(m.participantId);
      if (!entry) break;
      entry.state = m.type === "participant.reconnecting" ? "reconnecting" : "active";
      updateParticipantTiles(entry);
      renderPeopleList();
      if (entry.state === "active") {
        // Their publications survived (same ids); kick any subscription that did not recover.
        for (const sub of S.subs.values()) if (sub.participantId === entry.id && sub.pc?.connectionState === "failed") repairSubscription(sub);
      }
      break;
    }
    case "track.published": {
      const entry = S.participants.get(m.participantId);
      if (!entry || !m.publication) break;
      const pub = normalizePublication(m.publication);
      entry.publications.set(pub.id, pub);
      updateParticipantTiles(entry);
      subscribe(entry.id, pub);
      if (pub.source === "screen") toast(`${entry.name} is sharing their screen`);
      renderPeopleList();
      break;
    }
    case "track.unpublished": {
      const entry = S.participants.get(m.participantId);
      if (!entry) break;
      dropPublication(entry, m.publicationId);
      updateParticipantTiles(entry);
      renderPeopleList();
      break;
    }
    case "track.muted":
      onTrackMuted(m);
      break;
    case "speakers":
      onSpeakers(Array.isArray(m.speakers) ? m.speakers : []);
      break;
    case "quality":
      if (m.participantId === S.participantId) {
        S.quality = m.quality;
        refreshLocalTile();
        render();
      } else {
        const entry = S.participants.get(m.participantId);
        if (entry) { entry.quality = m.quality; updateParticipantTiles(entry); }
      }
      break;
    case "chat":
      onChat(m);
      break;
    case "room.locked":
      S.locked = !!m.locked;
      toast(`${nameOf(m.by) || "A host"} ${S.locked ? "locked the meeting: nobody new can join" : "unlocked the meeting"}`);
      render();
      renderPeopleList();
      break;
    case "media.moved":
      // Our media server stopped: everything we sent and received went with it. The server
      // already placed us on another one; publish and subscribe again there.
      toast("The media server changed; reconnecting your audio and video…", "warn");
      recoverMedia(false).catch((e) => console.warn("cascade: media move", e));
      break;
    case "room.hosts":
      S.hostIds = new Set(Array.isArray(m.hostIds) ? m.hostIds : []);
      if (m.promoted === S.participantId) toast("You are now a host of this meeting");
      for (const p of S.participants.values()) { p.host = S.hostIds.has(p.id); updateParticipantTiles(p); }
      render();
      renderPeopleList();
      break;
    case "room.ended":
      fatal("ended", { by: nameOf(m.by) });
      break;
    case "removed":
      fatal("removed", { by: nameOf(m.by) });
      break;
    case "error":
      console.warn("cascade: server error", m.code, m.message);
      if (m.code === "rate_limited") toast("Slow down: you are sending messages too fast.", "warn");
      break;
    default:
      break;
  }
}


/** "Ada joined" — a burst of arrivals is summed up in one toast instead of a stack of them. */
let presence = { lines: [], at: 0 };

function announcePresence(line) {
  const now = Date.now();
  if (now - presence.at > 3000) presence.lines = [];
  presence = { lines: [...presence.lines, line], at: now };
  const text = presence.lines.length <= 2 ? presence.lines.join(" · ") : `${presence.lines.at(-1)} and ${presence.lines.length - 1} more changes`;
  toast(text, "info", 4000, "presence");
}


function onTrackMuted(m) {
  const kind = m.kind === "video" ? "video" : "audio";
  if (m.participantId === S.participantId) {
    const byHost = m.by && m.by !== "self" && m.by !== S.participantId;
    if (byHost && m.muted) {
      setLocalMuted(kind, true, false);
      toast(`${nameOf(m.by) || "A host"} turned off your ${kind === "audio" ? "microphone" : "camera"}`, "warn");
    }
    return;
  }
  const entry = S.participants.get(m.participantId);
  const pub = entry?.publications.get(m.publicationId);
  if (!pub) return;
  pub.muted[kind] = !!m.muted;
  updateParticipantTiles(entry);
  renderPeopleList();
}


let speakingTimer = 0;

function onSpeakers(list) {
  const loudest = list.find((s) => (s.level ?? 1) > 0.02);
  if (loudest) S.activeSpeaker = loudest.participantId;
  const levels = new Map(list.map((s) => [s.participantId, s.level ?? 1]));
  const paint = () => {
    for (const tile of grid.tiles.values()) {
      if (tile.source !== "camera") continue;
      tile.setSpeaking(levels.get(tile.participantId) || 0, tile.participantId === S.activeSpeaker && grid.tiles.size > 2);
    }
  };
  paint();
  clearTimeout(speakingTimer);
  speakingTimer = setTimeout(() => { levels.clear(); paint(); }, 1500);
}


function onChat(m) {
  if (m.messageId && S.chat.some((c) => c.messageId === m.messageId)) return;
  const message = { messageId: m.messageId, from: m.from, name: m.name || nameOf(m.from) || "Someone", text: String(m.text ?? ""), ts: m.ts || Date.now() };
  S.chat.push(message);
  addChatMessage(message, S.participantId);
  if (message.from !== S.participantId && S.panel !== "chat") {
    S.unread++;
    const preview = message.text.length > 80 ? `${message.text.slice(0, 80)}…` : message.text;
    toast(`${message.name}: ${preview}`, "chat");
    render();
  }
}


// MARK: - Connection loss and recovery (docs/signaling.md "Reconnection")


function onSocketClosed(sig, code) {
  if (sig !== S.signaling || S.intentional) return;
  S.signaling = null;
  if (code === 4410) return fatal("room_ended");
  if (code === 4401) return fatal("unauthorized");
  if (code === 4409) return fatal("replaced"); // our place was resumed on another connection
  reconnect();
}


async function reconnect() {
  if (S.phase === "reconnecting" || S.intentional) return;
  S.phase = "reconnecting";
  S.signaling = null;
  showReconnecting(true);
  render();
  const deadline = Date.now() + RESUME_WINDOW_MS;
  let resume = { participantId: S.participantId, resumeToken: S.resumeToken };
  let delay = 300;
  while (!S.intentional) {
    const previousId = S.participantId;
    try {
      await connect(resume);
      S.phase = "meeting";
      showReconnecting(false);
      render();
      renderPeopleList();
      await recoverMedia(previousId === S.participantId);
      return;
    } catch (error) {
      if (S.intentional) return;
      if (FATAL_CODES.has(error.code)) return fatal(error.code);
      if (error.code === "unauthorized") {
        if (S.tokenFromURL) return fatal("unauthorized");
        try { S.token = await obtainToken(); } catch { /* try again below */ }
      } else if (error.code === "not_found" || error.code === "bad_message") {
        resume = null; // our place is gone: join as a new participant
      }
    }
    if (Date.now() + delay > deadline) break;
    await sleep(delay);
    delay = Math.min(delay * 2, 4000);
  }
  if (!S.intentional) fatal("connection_lost");
}


/** A socket that stops answering (network gone, no FIN): give up on it after two missed pings. */
function startTimers() {
  let missed = 0;
  S.timers.push(setInterval(async () => {
    const sig = S.signaling;
    if (!sig || S.phase !== "meeting") return;
    try {
      await sig.request({ type: "ping" }, 4000);
      missed = 0;
    } catch (error) {
      if (error.code !== "timeout" || sig !== S.signaling) return;
      if (++missed >= 2) {
        missed = 0;
        sig.onclose = () => {};
        sig.close(4000);
        S.signaling = null;
        reconnect();
      }
    }
  }, 5000));
  S.timers.push(setInterval(async () => {
    if (!S.signaling || S.phase !== "meeting") return;
    const pcs = [S.camera?.pc, S.screen?.pc, ...[...S.subs.values()].map((s) => s.pc)].filter(Boolean);
    if (!pcs.length) return;
    const q = await measureQuality(pcs);
    S.signaling?.send({ type: "quality", packetLoss: q.packetLoss, rttMs: q.rttMs, jitterMs: q.jitterMs });
  }, 3000));
  S.timers.push(setInterval(refreshCounters, 1000));
  S.timers.push(setInterval(healMedia, 3000));
}


// MARK: - Ending


function teardown() {
  S.timers.forEach(clearInterval);
  S.timers = [];
  for (const sub of S.subs.values()) { sub.closed = true; sub.pc?.close(); }
  S.subs.clear();
  for (const pub of [S.camera, S.screen]) if (pub) { pub.pc.close(); if (pub.source === "screen") stopStream(pub.stream); }
  S.camera = S.screen = null;
  stopStream(S.local.stream);
  for (const key of [...grid.tiles.keys()]) grid.delete(key);
  showReconnecting(false);
}


function fatal(code, extra = {}) {
  if (S.phase === "ended") return;
  S.intentional = true;
  const described = describeError(code, { ...extra, maxParticipants: S.limits.maxParticipants });
  S.error = { code, title: described.title };
  S.phase = "ended";
  const sig = S.signaling;
  S.signaling = null;
  sig?.close();
  teardown();
  $("ended-title").textContent = described.title;
  $("ended-detail").textContent = described.detail;
  $("ended").dataset.errorCode = code;
  $("rejoin").hidden = !described.retry;
  show("ended");
  $("rejoin").focus();
}


export async function leave() {
  if (S.phase === "ended") return;
  S.signaling?.send({ type: "leave" });
  fatal("left");
}


$("rejoin").onclick = () => {
  const url = new URL(location.href);
  if (S.error?.code === "left") url.searchParams.delete("autojoin");
  location.href = url.toString();
};

window.addEventListener("pagehide", () => { if (S.signaling) S.signaling.send({ type: "leave" }); });


// MARK: - Test hooks


function snapshot() {
  return {
    phase: S.phase,
    connected: S.phase === "meeting" && !!S.signaling?.isOpen,
    room: S.room,
    participantId: S.participantId,
    name: S.name,
    host: isHost(),
    locked: S.locked,
    screenSharing: !!S.screen,
    muted: { audio: !S.local.micOn, video: !S.local.camOn },
    quality: S.quality,
    activeSpeaker: S.activeSpeaker,
    error: S.error,
    participants: [...S.participants.values()].map((p) => {
      const cam = publicationOf(p, "camera");
      const screen = publicationOf(p, "screen");
      const camSub = cam && S.subs.get(cam.id);
      const screenSub = screen && S.subs.get(screen.id);
      return {
        id: p.id, name: p.name, host: p.host, state: p.state, quality: p.quality,
        muted: { audio: !cam || cam.muted.audio || !cam.kinds.includes("audio"), video: !cam || cam.muted.video || !cam.kinds.includes("video") },
        screen: !!screen,
        videoFramesDecoded: camSub?.counters.videoFramesDecoded || 0,
        audioBytesReceived: camSub?.counters.audioBytesReceived || 0,
        screenFramesDecoded: screenSub?.counters.videoFramesDecoded || 0,
      };
    }),
    chat: S.chat.map((c) => ({ ...c })),
  };
}


window.cascade = Object.freeze({
  state: snapshot,
  stats: async () => { await refreshCounters(); return snapshot(); },
  events: () => S.events.map((e) => ({ ...e })),
  connections: () => ({
    publications: [S.camera, S.screen].filter(Boolean).map((p) => ({ source: p.source, publicationId: p.publicationId, state: p.pc.connectionState, ice: p.pc.iceConnectionState })),
    subscriptions: [...S.subs.values()].map((s) => ({ publicationId: s.publicationId, subscriptionId: s.subscriptionId, participantId: s.participantId, source: s.source, state: s.pc?.connectionState || "new", ice: s.pc?.iceConnectionState || "new", pausedVideo: s.pausedVideo })),
  }),
  sendChat,
  toggleMute: async (kind) => {
    const muted = kind === "video" ? S.local.camOn : S.local.micOn;
    await setLocalMuted(kind === "video" ? "video" : "audio", muted);
    return kind === "video" ? !S.local.camOn : !S.local.micOn;
  },
  setMuted: (kind, muted) => setLocalMuted(kind === "video" ? "video" : "audio", !!muted),
  startScreenShare,
  stopScreenShare,
  hostMute,
  hostRemove,
  hostLock,
  hostEnd,
  leave,
});


boot().catch((error) => {
  console.error("cascade:", error);
  fatal("internal", { message: error.message });
});

