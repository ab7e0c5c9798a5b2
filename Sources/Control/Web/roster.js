// Participants and their tiles: the room state from `joined` and the events that change it.
import { S, grid } from "/app/state.js";
import { Tile } from "/app/tiles.js";
import { closeSubscription, attachSubscription } from "/app/calls.js";

export function normalizePublication(pub) {
  return {
    id: pub.id,
    source: pub.source === "screen" ? "screen" : "camera",
    kinds: Array.isArray(pub.kinds) && pub.kinds.length ? pub.kinds : ["audio", "video"],
    muted: { audio: !!pub.muted?.audio, video: !!pub.muted?.video },
  };
}


export function upsertParticipant(p) {
  let entry = S.participants.get(p.id);
  if (!entry) {
    entry = { id: p.id, name: p.name || p.identity || "Guest", host: false, state: "active", quality: null, publications: new Map() };
    S.participants.set(p.id, entry);
    grid.add(new Tile({ key: `${p.id}:camera`, participantId: p.id, source: "camera", local: false, name: entry.name }));
  }
  entry.name = p.name || p.identity || entry.name;
  entry.host = !!p.host || S.hostIds.has(p.id);
  entry.state = p.state === "reconnecting" ? "reconnecting" : "active";
  const pubs = new Map((p.publications || []).map((x) => [x.id, normalizePublication(x)]));
  for (const id of [...entry.publications.keys()]) if (!pubs.has(id)) dropPublication(entry, id);
  for (const pub of pubs.values()) entry.publications.set(pub.id, pub);
  updateParticipantTiles(entry);
  return entry;
}


export function removeParticipant(id) {
  const entry = S.participants.get(id);
  if (!entry) return;
  for (const pubId of [...entry.publications.keys()]) dropPublication(entry, pubId);
  S.participants.delete(id);
  grid.delete(`${id}:camera`);
  grid.delete(`${id}:screen`);
  if (S.activeSpeaker === id) S.activeSpeaker = null;
}


export function dropPublication(entry, pubId) {
  entry.publications.delete(pubId);
  const sub = S.subs.get(pubId);
  // The media node ends subscriptions to an ended publication itself (docs: track.unpublished).
  if (sub) closeSubscription(sub, false);
}


export function publicationOf(entry, source) {
  let found = null;
  for (const pub of entry.publications.values()) if (pub.source === source) found = pub; // newest wins
  return found;
}


export function updateParticipantTiles(entry) {
  const camTile = grid.get(`${entry.id}:camera`);
  const cam = publicationOf(entry, "camera");
  if (camTile) {
    camTile.setName(entry.name);
    camTile.setHost(entry.host);
    camTile.setState(entry.state);
    camTile.setQuality(entry.quality);
    camTile.setMuted(cam ? { audio: cam.muted.audio || !cam.kinds.includes("audio"), video: cam.muted.video || !cam.kinds.includes("video") } : { audio: true, video: true });
  }
  const screen = publicationOf(entry, "screen");
  const screenKey = `${entry.id}:screen`;
  if (screen && !grid.get(screenKey)) {
    grid.add(new Tile({ key: screenKey, participantId: entry.id, source: "screen", local: false, name: entry.name }));
    const sub = S.subs.get(screen.id);
    if (sub && sub.stream) attachSubscription(sub);
  } else if (!screen && grid.get(screenKey)) {
    grid.delete(screenKey);
  }
  const screenTile = grid.get(screenKey);
  if (screenTile) {
    screenTile.setName(entry.name);
    screenTile.setState(entry.state);
    screenTile.setMuted({ audio: false, video: screen.muted.video });
  }
}


export function ensureLocalTiles() {
  let tile = grid.get("local:camera");
  if (!tile) {
    tile = new Tile({ key: "local:camera", participantId: S.participantId, source: "camera", local: true, name: S.name });
    grid.add(tile);
  }
  for (const t of [tile, grid.get("local:screen")]) {
    if (!t) continue;
    t.participantId = S.participantId;
    t.el.dataset.participantId = S.participantId;
  }
  refreshLocalTile();
}


export function refreshLocalTile() {
  const tile = grid.get("local:camera");
  if (!tile) return;
  tile.setHost(isHost());
  tile.setQuality(S.quality);
  tile.setMuted({ audio: !S.local.micOn, video: !S.local.camOn });
  const video = S.local.stream.getVideoTracks()[0];
  if (!tile.stream || tile.stream.getVideoTracks()[0] !== video) tile.setStream(video ? new MediaStream([video]) : null).catch(() => {});
}


export function isHost() {
  return S.hostIds.has(S.participantId);
}


export function nameOf(id) {
  if (!id || id === "self") return null;
  if (id === S.participantId) return "You";
  return S.participants.get(id)?.name || null;
}
