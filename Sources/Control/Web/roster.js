// Participants: the room as `joined` describes it and the events that change it, as reducers on
// the state (state.js). Each returns the publication ids it dropped, whose subscriptions the
// caller closes. Pure: no DOM, no network.

export function normalizePublication(pub) {
  return {
    id: pub.id,
    source: pub.source === "screen" ? "screen" : "camera",
    kinds: Array.isArray(pub.kinds) && pub.kinds.length ? pub.kinds : ["audio", "video"],
    muted: { audio: !!pub.muted?.audio, video: !!pub.muted?.video },
  };
}

/** Adds a participant or refreshes it from the server's view. Returns {entry, fresh, dropped}. */
export function upsertParticipant(state, p) {
  let entry = state.participants.get(p.id);
  const fresh = !entry;
  if (!entry) {
    entry = { id: p.id, name: p.name || p.identity || "Guest", host: false, state: "active", quality: null, publications: new Map() };
    state.participants.set(p.id, entry);
  }
  entry.name = p.name || p.identity || entry.name;
  entry.host = !!p.host || state.hostIds.has(p.id);
  entry.state = p.state === "reconnecting" ? "reconnecting" : "active";
  const pubs = new Map((p.publications || []).map((x) => [x.id, normalizePublication(x)]));
  const dropped = [];
  for (const id of [...entry.publications.keys()]) {
    if (!pubs.has(id)) { entry.publications.delete(id); dropped.push(id); }
  }
  for (const pub of pubs.values()) entry.publications.set(pub.id, pub);
  return { entry, fresh, dropped };
}

/** Removes a participant; returns the publication ids dropped with it (none if unknown). */
export function removeParticipant(state, id) {
  const entry = state.participants.get(id);
  if (!entry) return [];
  const dropped = [...entry.publications.keys()];
  state.participants.delete(id);
  if (state.activeSpeaker === id) state.activeSpeaker = null;
  return dropped;
}

/**
 * `joined` (first join or resume): who we are and the whole room. Participants the room no
 * longer has are removed. Returns the publication ids dropped.
 */
export function applyJoined(state, joined) {
  state.participantId = joined.participantId;
  state.resumeToken = joined.resumeToken;
  state.iceServers = Array.isArray(joined.iceServers) ? joined.iceServers : [];
  state.limits = joined.limits || {};
  const room = joined.room || {};
  state.hostIds = new Set(room.hostIds || []);
  state.locked = !!room.locked;
  const fresh = new Map((room.participants || []).map((p) => [p.id, p]));
  const dropped = [];
  for (const id of [...state.participants.keys()]) if (!fresh.has(id)) dropped.push(...removeParticipant(state, id));
  for (const p of fresh.values()) dropped.push(...upsertParticipant(state, p).dropped);
  return dropped;
}

/** `room.hosts`: the new host list, marked on every participant. */
export function setHosts(state, hostIds) {
  state.hostIds = new Set(Array.isArray(hostIds) ? hostIds : []);
  for (const p of state.participants.values()) p.host = state.hostIds.has(p.id);
}

/** A participant's newest publication of a source ("camera" or "screen"), or null. */
export function publicationOf(entry, source) {
  let found = null;
  for (const pub of entry.publications.values()) if (pub.source === source) found = pub; // newest wins
  return found;
}

/** What a participant's camera tile shows as muted: a kind is muted when off or not published. */
export function cameraMuted(entry) {
  const cam = publicationOf(entry, "camera");
  if (!cam) return { audio: true, video: true };
  return { audio: cam.muted.audio || !cam.kinds.includes("audio"), video: cam.muted.video || !cam.kinds.includes("video") };
}

export function isHost(state) {
  return state.hostIds.has(state.participantId);
}

/** A participant's name for a sentence ("You" for us), or null when unknown or "self". */
export function nameOf(state, id) {
  if (!id || id === "self") return null;
  if (id === state.participantId) return "You";
  return state.participants.get(id)?.name || null;
}
