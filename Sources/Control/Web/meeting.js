/*
 * The meeting page, /r/{room}: pre-join, then the meeting, speaking docs/signaling.md (protocol 1)
 * over ws(s)://HOST/rtc. Media: one publish PeerConnection per source (camera, screen) and one
 * subscribe PeerConnection per remote publication, all offered by us.
 *
 * Files (ES modules, no build step, relative imports). Each layer imports only layers below it
 * (WebTests/imports.test.mjs fails on a cycle), and only the two entry points touch the page when
 * loaded; the others export functions and classes.
 *   pure, no DOM (unit-tested in WebTests/ under Node):
 *     words.js (messages, room names), icons.js (SVG markup), protocol.js (version, close codes),
 *     store.js (the store: get, update, subscribe, watch), state.js (the state's shape, the one
 *     store, chat/panel/speaker reducers), roster.js (participant reducers), layout.js (grid
 *     arithmetic), signaling.js (the socket client)
 *   browser services: media.js (PeerConnections, stats), devices.js (camera, microphone, storage)
 *   drawing: tiles.js (tiles and grid), panels.js (control bar, chat, people, toasts), prejoin.js;
 *     subscribed to the store: stage.js (tiles), controls.js (bar, panel, keys), screens.js
 *   orchestration: publications.js / subscriptions.js (our PeerConnections), recovery.js
 *     (renewing media), actions.js (chat, host controls, invite), ending.js (the end), events.js
 *     (server events), session.js (joining, reconnection, pings)
 *   entry points: meeting.js (room.html: boot and wiring), home.js (index.html); testing.js
 *     (test hooks, loaded only with ?testing=1)
 *
 * URL parameters: ?name=NAME&autojoin=1 joins at once with the default devices (tests, kiosks);
 * ?token=JWT uses that token (needed when the server runs with --require-token); ?testing=1 loads
 * testing.js, which adds the test hooks below (the interop harness's room_url adds it; the page
 * never loads it otherwise, and the hooks do nothing a person in the meeting could not).
 *
 * Test hooks (read-only views and actions), on window.cascade (testing.js):
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
import { store } from "./state.js";
import { ROOM_PATTERN, roomFromPath } from "./words.js";
import { runPrejoin } from "./prejoin.js";
import { quickDevices, rememberedName } from "./devices.js";
import { toast } from "./panels.js";
import { mountScreens } from "./screens.js";
import { mountStage } from "./stage.js";
import { mountControls } from "./controls.js";
import { setLocalMuted, startScreenShare, stopScreenShare } from "./publications.js";
import { onTileVisibility } from "./subscriptions.js";
import { restartStaleIce } from "./recovery.js";
import { sendChat, hostMute, hostRemove, hostLock, hostEnd, copyInvite } from "./actions.js";
import { fatal, leave } from "./ending.js";
import { join } from "./session.js";

/** Pre-join (or, with ?autojoin=1, the default devices at once), then join. */
async function boot(params) {
  const { room } = store.get();
  if (!ROOM_PATTERN.test(room)) return fatal("bad_room");
  let media;
  if (params.get("autojoin") === "1" || params.get("autojoin") === "true") {
    const name = (params.get("name") || rememberedName() || "Guest").trim().slice(0, 64) || "Guest";
    store.update({ name, screen: "joining" });
    media = await quickDevices();
    if (media.error) setTimeout(() => toast(media.error, "warn", 8000), 500);
  } else {
    store.update({ screen: "prejoin" });
    media = await runPrejoin(room, params.get("name") || "");
    store.update({ name: media.name });
  }
  const { stream } = media;
  store.update({
    local: {
      stream,
      micOn: media.micOn && stream.getAudioTracks().length > 0,
      camOn: media.camOn && stream.getVideoTracks().length > 0,
      hasAudio: stream.getAudioTracks().length > 0,
      hasVideo: media.camWanted,
      devices: media.devices || {},
      screen: null,
    },
  });
  await join();
}

/** Errors nobody caught: said in a toast (and the console), so nothing fails silently. */
function reportUnexpected(reason) {
  console.error("cascade: unexpected", reason);
  toast(`Something went wrong: ${reason?.message || reason}`, "error", 8000);
}

function start() {
  const params = new URLSearchParams(location.search);
  window.addEventListener("unhandledrejection", (event) => reportUnexpected(event.reason));
  window.addEventListener("error", (event) => {
    // Chromium reports a ResizeObserver that had to wait a frame as an error without an Error
    // object; the grid simply lays out one frame later, which nobody needs to hear about.
    if (!event.error && /ResizeObserver/.test(event.message)) return;
    reportUnexpected(event.error || event.message);
  });
  if (params.get("testing") === "1") {
    import("./testing.js").then((hooks) => hooks.installTestHooks(), reportUnexpected);
  }
  store.update({ room: roomFromPath(location.pathname, params) });
  mountScreens(store);
  mountStage(store, onTileVisibility);
  mountControls(store, {
    setMuted: setLocalMuted,
    toggleScreen: () => (store.get().local.screen ? stopScreenShare() : startScreenShare()),
    leave, copyInvite, sendChat, hostMute, hostRemove, hostLock, hostEnd,
  });
  window.addEventListener("pagehide", () => store.get().signaling?.send({ type: "leave" }));
  // A network change (Wi-Fi to cable, back online): ICE restarts rather than publishing again.
  window.addEventListener("online", restartStaleIce);
  navigator.connection?.addEventListener?.("change", restartStaleIce);
  boot(params).catch((error) => {
    console.error("cascade:", error);
    fatal("internal", { message: error.message });
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
