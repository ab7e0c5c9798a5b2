// Video tiles and the grid that lays them out. A tile shows one participant's camera (or a screen
// share): video or an avatar, name, mute/camera state, connection quality, speaking ring, and a
// "reconnecting" overlay. The grid picks the column count and tile shape that make tiles largest
// for the space and number of people, or puts a screen share large with the others in a strip.
import { icon, qualityBars } from "./icons.js";
import { initials, colorFor } from "./words.js";
import { layoutName, fitTiles, orderTiles, featuredTile, GAP } from "./layout.js";

export class Tile {
  constructor({ key, participantId, source, local, name }) {
    this.key = key;
    this.participantId = participantId;
    this.source = source;
    this.local = local;
    this.stream = null;
    this.muted = { audio: false, video: false };
    const el = document.createElement("div");
    el.className = `tile source-${source}${local ? " local" : ""}`;
    el.dataset.testid = "tile";
    el.dataset.participantId = participantId;
    el.dataset.source = source;
    el.dataset.local = String(local);
    el.setAttribute("role", "group");
    el.innerHTML = `
      <video playsinline autoplay ${local ? "muted" : ""}></video>
      <div class="avatar" aria-hidden="true"><span></span></div>
      <div class="tile-top">
        <span class="host-badge" data-testid="tile-host" hidden title="Host">${icon("host")}</span>
        <span class="quality" data-testid="tile-quality" data-quality="excellent"></span>
      </div>
      <div class="tile-bottom">
        <span class="indicator mic-off" data-testid="tile-mic-muted" hidden title="Microphone off">${icon("micOff", "Microphone off")}</span>
        <span class="indicator cam-off" data-testid="tile-cam-muted" hidden title="Camera off">${icon("cameraOff", "Camera off")}</span>
        <span class="tile-name" data-testid="tile-name"></span>
      </div>
      <div class="tile-overlay" data-testid="tile-reconnecting" hidden>
        ${icon("spinner")}<span>Reconnecting…</span>
      </div>
      <div class="presenting-note" hidden>You are presenting to everyone</div>`;
    this.el = el;
    this.video = el.querySelector("video");
    this.video.addEventListener("resize", () => this.updateVideoVisibility());
    this.setName(name);
    this.setQuality(null);
    if (local && source === "screen") el.querySelector(".presenting-note").hidden = false;
  }

  setName(name) {
    this.name = name;
    const label = this.source === "screen" ? (this.local ? "Your screen" : `${name}’s screen`) : (this.local ? `${name} (you)` : name);
    this.el.querySelector(".tile-name").textContent = label;
    this.el.setAttribute("aria-label", label);
    const avatar = this.el.querySelector(".avatar span");
    avatar.textContent = initials(name);
    avatar.style.background = colorFor(name);
  }

  /**
   * Plays a stream; returns the play() promise so the caller can notice an autoplay block
   * (NotAllowedError). Other play() failures are an AbortError from a newer stream replacing this
   * one before it started: the newer one plays, nothing is lost.
   */
  setStream(stream) {
    if (this.stream === stream) return Promise.resolve();
    this.stream = stream;
    this.video.srcObject = stream;
    if (stream) stream.onaddtrack = () => this.updateVideoVisibility();
    this.updateVideoVisibility();
    return stream ? this.video.play().catch((error) => { if (error.name === "NotAllowedError") throw error; }) : Promise.resolve();
  }

  setSinkId(deviceId) {
    if (!this.local && deviceId && typeof this.video.setSinkId === "function") {
      // A speaker chosen before joining may be gone (unplugged): the sound then stays on the
      // default output, which is what the person hears anyway. Worth a console line, not a toast.
      this.video.setSinkId(deviceId).catch((error) => console.warn("cascade: speaker", error));
    }
  }

  setMuted(muted) {
    this.muted = { audio: !!muted.audio, video: !!muted.video };
    this.el.querySelector('[data-testid="tile-mic-muted"]').hidden = !this.muted.audio || this.source === "screen";
    this.el.querySelector('[data-testid="tile-cam-muted"]').hidden = !this.muted.video || this.source === "screen";
    this.el.dataset.audioMuted = String(this.muted.audio);
    this.el.dataset.videoMuted = String(this.muted.video);
    this.updateVideoVisibility();
  }

  updateVideoVisibility() {
    const live = this.stream && this.stream.getVideoTracks().some((t) => t.readyState === "live");
    this.el.classList.toggle("has-video", !!live && !this.muted.video);
  }

  setState(state) {
    this.el.dataset.state = state;
    this.el.querySelector('[data-testid="tile-reconnecting"]').hidden = state !== "reconnecting";
  }

  setHost(host) {
    this.el.querySelector('[data-testid="tile-host"]').hidden = !host || this.source === "screen";
  }

  setQuality(quality) {
    const holder = this.el.querySelector(".quality");
    holder.hidden = !quality || this.source === "screen";
    holder.dataset.quality = quality || "";
    holder.title = quality ? `Connection: ${quality}` : "";
    holder.innerHTML = quality ? qualityBars(quality) : "";
  }

  setSpeaking(level, active) {
    this.el.classList.toggle("speaking", level > 0);
    this.el.classList.toggle("active-speaker", !!active);
  }

  remove() {
    this.video.srcObject = null;
    this.el.remove();
  }
}

/** Places tiles in #tiles (and one in #featured for a screen share), sized to the stage. */
export class Grid {
  constructor(stage, onVisibility) {
    this.stage = stage;
    this.featuredBox = stage.querySelector("#featured");
    this.tilesBox = stage.querySelector("#tiles");
    this.tiles = new Map();
    this.onVisibility = onVisibility;
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const tile = this.tiles.get(entry.target.dataset.key);
        if (tile) this.onVisibility(tile, entry.isIntersecting);
      }
    }, { threshold: 0 });
    new ResizeObserver(() => this.layout()).observe(stage);
    window.addEventListener("resize", () => this.layout());
  }

  add(tile) {
    tile.el.dataset.key = tile.key;
    this.tiles.set(tile.key, tile);
    this.tilesBox.append(tile.el);
    this.observer.observe(tile.el);
    this.layout();
  }

  get(key) {
    return this.tiles.get(key);
  }

  delete(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    this.observer.unobserve(tile.el);
    tile.remove();
    this.tiles.delete(key);
    this.layout();
  }

  /** The tile shown large: a remote screen share first, then our own. */
  featured() {
    return featuredTile(this.tiles.values());
  }

  /** Order: our own camera first, then others in join order, screen shares after their owner. */
  ordered() {
    return orderTiles(this.tiles.values());
  }

  layout() {
    const featured = this.featured();
    const ordered = this.ordered();
    const others = ordered.filter((t) => t !== featured);
    if (featured) {
      if (featured.el.parentElement !== this.featuredBox) this.featuredBox.replaceChildren(featured.el);
    } else {
      this.featuredBox.replaceChildren();
    }
    for (const tile of others) if (tile.el.parentElement !== this.tilesBox) this.tilesBox.append(tile.el);
    // Keep DOM order = display order (so Tab moves through tiles as seen).
    others.forEach((tile, index) => {
      if (this.tilesBox.children[index] !== tile.el) this.tilesBox.insertBefore(tile.el, this.tilesBox.children[index] || null);
    });

    const count = others.length;
    this.stage.dataset.count = String(ordered.length);
    if (featured) {
      this.stage.dataset.layout = "screen";
      this.stage.classList.remove("scrolling");
      this.tilesBox.style.width = "";
      this.tilesBox.style.removeProperty("--tile-w");
      this.tilesBox.style.removeProperty("--tile-h");
      return;
    }
    this.stage.dataset.layout = layoutName(count);
    const fit = fitTiles(this.stage.clientWidth, this.stage.clientHeight, count);
    if (!fit) return;
    this.stage.classList.toggle("scrolling", fit.scrolling);
    // Rows wrap and are centred, so a last row with fewer tiles sits in the middle.
    this.tilesBox.style.width = fit.scrolling ? "100%" : `${fit.cols * fit.w + (fit.cols - 1) * GAP}px`;
    this.tilesBox.style.setProperty("--tile-w", `${fit.w}px`);
    this.tilesBox.style.setProperty("--tile-h", `${fit.h}px`);
  }
}
