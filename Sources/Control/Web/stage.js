// The stage: keeps the grid's tiles (tiles.js) in step with the store — who is there, their
// name, host mark, state, quality, mute marks, speaking ring and the stream each tile plays.
import { watch } from "./store.js";
import { Grid, Tile } from "./tiles.js";
import { cameraMuted, publicationOf, isHost } from "./roster.js";

/**
 * The tiles the state asks for, in creation order: our camera and screen, then everyone's camera
 * and screen share. Each is {key, participantId, source, local, view, stream}; `view` holds only
 * what that kind of tile shows (a screen tile has no host mark). Pure (WebTests/stage.test.mjs).
 */
export function desiredTiles(state) {
  if (state.phase === "ended" || !state.participantId) return [];
  const { local, participantId, streams } = state;
  const tiles = [{
    key: "local:camera", participantId, source: "camera", local: true, name: state.name,
    view: { host: isHost(state), quality: state.quality, muted: { audio: !local.micOn, video: !local.camOn } },
    stream: local.stream?.getVideoTracks()[0] || null, // the camera's track: the tile plays it without sound
  }];
  if (local.screen) tiles.push({ key: "local:screen", participantId, source: "screen", local: true, name: state.name, view: {}, stream: local.screen });
  for (const p of state.participants.values()) {
    const camera = `${p.id}:camera`;
    tiles.push({
      key: camera, participantId: p.id, source: "camera", local: false, name: p.name,
      view: { name: p.name, host: p.host, state: p.state, quality: p.quality, muted: cameraMuted(p) },
      stream: streams.get(camera) || null,
    });
    const screen = publicationOf(p, "screen");
    if (!screen) continue;
    const key = `${p.id}:screen`;
    tiles.push({
      key, participantId: p.id, source: "screen", local: false, name: p.name,
      view: { name: p.name, state: p.state, muted: { audio: false, video: screen.muted.video } },
      stream: streams.get(key) || null,
    });
  }
  return tiles;
}

function applyView(tile, view) {
  if ("name" in view) tile.setName(view.name);
  if ("host" in view) tile.setHost(view.host);
  if ("state" in view) tile.setState(view.state);
  if ("quality" in view) tile.setQuality(view.quality);
  if ("muted" in view) tile.setMuted(view.muted);
}

/**
 * Mounts the stage on #stage. `onVisibility(tile, visible)` hears when a tile scrolls in or out of
 * view (subscriptions.js pauses its video). A browser that blocks sound until a click shows the
 * "Turn on sound" banner.
 */
export function mountStage(store, onVisibility) {
  const $ = (id) => document.getElementById(id);
  const grid = new Grid($("stage"), onVisibility);
  const views = new Map(); // tile key → the view last applied, as JSON

  const play = (tile, stream) => {
    if (tile.local) {
      // Our own tiles play muted, which autoplay always allows; nothing to report.
      tile.setStream(stream).catch(() => {});
      return;
    }
    if (stream) tile.setSinkId(store.get().local.devices.speakerId);
    tile.setStream(stream).catch(() => { $("sound-banner").hidden = false; });
  };

  const render = (state) => {
    const wanted = desiredTiles(state);
    const keys = new Set(wanted.map((t) => t.key));
    for (const key of [...grid.tiles.keys()]) {
      if (!keys.has(key)) { grid.delete(key); views.delete(key); }
    }
    for (const want of wanted) {
      let tile = grid.get(want.key);
      if (!tile) {
        tile = new Tile(want);
        grid.add(tile);
      }
      if (tile.participantId !== want.participantId) {
        tile.participantId = want.participantId; // a resume as a new participant: our tiles follow
        tile.el.dataset.participantId = want.participantId;
      }
      const json = JSON.stringify(want.view);
      if (views.get(want.key) !== json) { views.set(want.key, json); applyView(tile, want.view); }
      if (want.key === "local:camera") {
        if (!tile.stream || tile.stream.getVideoTracks()[0] !== want.stream) play(tile, want.stream ? new MediaStream([want.stream]) : null);
      } else if (tile.stream !== want.stream) {
        play(tile, want.stream);
      }
    }
    for (const tile of grid.tiles.values()) {
      if (tile.source !== "camera") continue;
      tile.setSpeaking(state.speaking.get(tile.participantId) || 0, tile.participantId === state.activeSpeaker && grid.tiles.size > 2);
    }
  };
  render(store.get());
  store.subscribe(render);

  // The side panel takes room from the stage: lay the tiles out again once it has.
  watch(store, (s) => s.panel, () => requestAnimationFrame(() => grid.layout()));

  $("enable-sound").onclick = () => {
    $("sound-banner").hidden = true;
    // A click allows sound; should a video still refuse, the banner comes back.
    for (const tile of grid.tiles.values()) tile.video.play().catch(() => { $("sound-banner").hidden = false; });
  };
}
