// Events from the server (docs/signaling.md "Events"): each changes the store, starts or stops
// media, or says something in a toast.
import { store, logEvent, receiveChat, setSpeakers } from "./state.js";
import { normalizePublication, upsertParticipant, removeParticipant, setHosts, nameOf } from "./roster.js";
import { subscribe, subscribeAll, subscriptions, repairSubscription, forgetPublications } from "./subscriptions.js";
import { setLocalMuted } from "./publications.js";
import { recoverMedia } from "./recovery.js";
import { fatal } from "./ending.js";
import { toast } from "./panels.js";

const SPEAKING_MS = 1500; // a speaker's ring fades this long after the last `speakers` event

export function onEvent(m) {
  store.update((s) => logEvent(s, m));
  const state = store.get();
  const entry = state.participants.get(m.participantId);
  switch (m.type) {
    case "participant.joined": {
      if (!m.participant || m.participant.id === state.participantId) break;
      const { entry: joined, fresh, dropped } = store.update((s) => upsertParticipant(s, m.participant));
      forgetPublications(dropped);
      if (fresh) announcePresence(`${joined.name} joined`);
      subscribeAll();
      break;
    }
    case "participant.left": {
      if (!entry) break;
      forgetPublications(store.update((s) => removeParticipant(s, m.participantId)));
      const how = { removed: "was removed", timeout: "lost their connection", ended: "left" }[m.reason] || "left";
      announcePresence(`${entry.name} ${how}`);
      break;
    }
    case "participant.reconnecting":
    case "participant.reconnected": {
      if (!entry) break;
      store.update(() => { entry.state = m.type === "participant.reconnecting" ? "reconnecting" : "active"; });
      if (entry.state === "active") {
        // Their publications survived (same ids); kick any subscription that did not recover.
        for (const sub of subscriptions()) if (sub.participantId === entry.id && sub.pc?.connectionState === "failed") repairSubscription(sub);
      }
      break;
    }
    case "track.published": {
      if (!entry || !m.publication) break;
      const pub = normalizePublication(m.publication);
      store.update(() => { entry.publications.set(pub.id, pub); });
      subscribe(entry.id, pub);
      if (pub.source === "screen") toast(`${entry.name} is sharing their screen`);
      break;
    }
    case "track.unpublished":
      if (!entry) break;
      store.update(() => { entry.publications.delete(m.publicationId); });
      forgetPublications([m.publicationId]);
      break;
    case "track.muted":
      onTrackMuted(m);
      break;
    case "speakers":
      onSpeakers(Array.isArray(m.speakers) ? m.speakers : []);
      break;
    case "quality":
      if (m.participantId === state.participantId) store.update({ quality: m.quality });
      else if (entry) store.update(() => { entry.quality = m.quality; });
      break;
    case "chat":
      onChat(m);
      break;
    case "room.locked": {
      const locked = !!m.locked;
      store.update({ locked });
      toast(`${nameOf(state, m.by) || "A host"} ${locked ? "locked the meeting: nobody new can join" : "unlocked the meeting"}`);
      break;
    }
    case "media.moved":
      // Our media server stopped: everything we sent and received went with it. The server
      // already placed us on another one; publish and subscribe again there.
      toast("The media server changed; reconnecting your audio and video…", "warn");
      recoverMedia(false).catch((error) => {
        console.warn("cascade: media move", error);
        toast("Your audio and video could not reconnect yet; retrying…", "error");
      });
      break;
    case "room.hosts":
      store.update((s) => setHosts(s, m.hostIds));
      if (m.promoted === state.participantId) toast("You are now a host of this meeting");
      break;
    case "room.ended":
      fatal("ended", { by: nameOf(state, m.by) });
      break;
    case "removed":
      fatal("removed", { by: nameOf(state, m.by) });
      break;
    case "error":
      console.warn("cascade: server error", m.code, m.message);
      if (m.code === "rate_limited") toast("Slow down: you are sending messages too fast.", "warn");
      break;
    default:
      break; // an event this page does not know (a newer server): nothing to show
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
  const state = store.get();
  const kind = m.kind === "video" ? "video" : "audio";
  if (m.participantId === state.participantId) {
    const byHost = m.by && m.by !== "self" && m.by !== state.participantId;
    if (byHost && m.muted) {
      setLocalMuted(kind, true, false).catch((error) => toast(`Could not turn off your ${kind === "audio" ? "microphone" : "camera"}: ${error.message}`, "error"));
      toast(`${nameOf(state, m.by) || "A host"} turned off your ${kind === "audio" ? "microphone" : "camera"}`, "warn");
    }
    return;
  }
  const pub = state.participants.get(m.participantId)?.publications.get(m.publicationId);
  if (!pub) return;
  store.update(() => { pub.muted[kind] = !!m.muted; });
}


let speakingTimer = 0;

function onSpeakers(list) {
  store.update((s) => setSpeakers(s, list));
  clearTimeout(speakingTimer);
  speakingTimer = setTimeout(() => store.update((s) => { s.speaking = new Map(); }), SPEAKING_MS);
}


function onChat(m) {
  const received = store.update((s) => receiveChat(s, m, (id) => nameOf(s, id)));
  if (!received?.unseen) return;
  const { message } = received;
  const preview = message.text.length > 80 ? `${message.text.slice(0, 80)}…` : message.text;
  toast(`${message.name}: ${preview}`, "chat");
}
