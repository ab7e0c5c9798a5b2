// Test hooks: read-only views of the meeting and the actions a person takes, on window.cascade
// (the list and the shape of state() are in meeting.js's header comment). Not part of the page:
// meeting.js loads this module only when the URL has ?testing=1, which the interop harness
// (InteropTests/harness/meeting.py room_url) adds. Nothing else imports it.
import { store } from "./state.js";
import { isHost, publicationOf, cameraMuted } from "./roster.js";
import { publications, setLocalMuted, startScreenShare, stopScreenShare } from "./publications.js";
import { subscriptions, refreshCounters } from "./subscriptions.js";
import { sendChat, hostMute, hostRemove, hostLock, hostEnd } from "./actions.js";
import { leave } from "./ending.js";
import { restartAllIce } from "./recovery.js";

/** window.cascade.state(): the meeting as the page sees it, with the counters of the last refresh. */
export function snapshot(s = store.get(), subs = subscriptions()) {
  const byPublication = new Map(subs.map((sub) => [sub.publicationId, sub]));
  return {
    phase: s.phase,
    connected: s.phase === "meeting" && !!s.signaling?.isOpen,
    room: s.room,
    participantId: s.participantId,
    name: s.name,
    host: isHost(s),
    locked: s.locked,
    screenSharing: !!s.local.screen,
    muted: { audio: !s.local.micOn, video: !s.local.camOn },
    quality: s.quality,
    activeSpeaker: s.activeSpeaker,
    error: s.error && { code: s.error.code, title: s.error.title },
    participants: [...s.participants.values()].map((p) => {
      const cam = publicationOf(p, "camera");
      const screen = publicationOf(p, "screen");
      const camSub = cam && byPublication.get(cam.id);
      const screenSub = screen && byPublication.get(screen.id);
      return {
        id: p.id, name: p.name, host: p.host, state: p.state, quality: p.quality,
        muted: cameraMuted(p),
        screen: !!screen,
        videoFramesDecoded: camSub?.counters.videoFramesDecoded || 0,
        audioBytesReceived: camSub?.counters.audioBytesReceived || 0,
        screenFramesDecoded: screenSub?.counters.videoFramesDecoded || 0,
      };
    }),
    chat: s.chat.map((c) => ({ ...c })),
  };
}

function connections() {
  return {
    publications: publications().map((p) => ({ source: p.source, publicationId: p.publicationId, state: p.pc.connectionState, ice: p.pc.iceConnectionState })),
    subscriptions: subscriptions().map((s) => ({ publicationId: s.publicationId, subscriptionId: s.subscriptionId, participantId: s.participantId, source: s.source, state: s.pc?.connectionState || "new", ice: s.pc?.iceConnectionState || "new", pausedVideo: s.pausedVideo })),
  };
}

const kindOf = (kind) => (kind === "video" ? "video" : "audio");

export function installTestHooks() {
  window.cascade = Object.freeze({
    state: () => snapshot(),
    stats: async () => { await refreshCounters(); return snapshot(); },
    events: () => store.get().events.map((e) => ({ ...e })),
    connections,
    sendChat,
    toggleMute: async (kind) => {
      const on = () => (kindOf(kind) === "video" ? store.get().local.camOn : store.get().local.micOn);
      await setLocalMuted(kindOf(kind), on());
      return !on();
    },
    setMuted: (kind, muted) => setLocalMuted(kindOf(kind), !!muted),
    startScreenShare,
    stopScreenShare,
    hostMute,
    hostRemove,
    hostLock,
    hostEnd,
    leave,
    restartIce: restartAllIce,
  });
}
