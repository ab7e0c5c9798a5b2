// The grid's arithmetic: how many columns and what tile size make the tiles largest for the
// stage's size and the number of people. Pure (tiles.js applies it to the DOM).

export const MAX_FIT = 9; // up to 9 tiles all fit on screen; more scroll
export const GAP = 8; // px between tiles (style.css .tiles gap)

/** The stage's data-layout for `count` tiles without a screen share: 1 | 2 | 4 | 9 | many. */
export function layoutName(count) {
  return count <= 1 ? "1" : count === 2 ? "2" : count <= 4 ? "4" : count <= MAX_FIT ? "9" : "many";
}

/**
 * The tile size for `count` tiles on a `width`×`height` stage: {cols, w, h, scrolling}, or null
 * when there is nothing to place. Every column count and a few tile shapes are tried and the
 * largest tiles kept: wide stages get 16:9 or 4:3 tiles; a phone held upright may get square or
 * portrait ones (the video is cropped to fill them). Past MAX_FIT tiles, tiles may get too small
 * to recognise anyone: they keep a readable size and the stage scrolls (tiles scrolled out of
 * view are paused, see subscriptions.js).
 */
export function fitTiles(width, height, count, gap = GAP) {
  if (width <= 0 || height <= 0 || count === 0) return null;
  let best = { area: 0, cols: 1, w: width, h: height };
  const aspects = width >= height ? [16 / 9, 4 / 3] : [16 / 9, 4 / 3, 1, 3 / 4];
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const cellW = (width - (cols - 1) * gap) / cols;
    const cellH = (height - (rows - 1) * gap) / rows;
    for (const aspect of aspects) {
      const w = Math.min(cellW, cellH * aspect);
      const h = w / aspect;
      if (w * h > best.area * 1.02) best = { area: w * h, cols, w: Math.floor(w), h: Math.floor(h) };
    }
  }
  const minWidth = width < 600 ? 150 : 200;
  const scrolling = count > MAX_FIT && best.w < minWidth;
  if (scrolling) {
    const cols = Math.max(2, Math.floor((width + gap) / (minWidth + gap)));
    const w = Math.floor((width - (cols - 1) * gap) / cols);
    return { cols, w, h: Math.round(w * (width < 600 ? 3 / 4 : 9 / 16)), scrolling };
  }
  return { cols: best.cols, w: best.w, h: best.h, scrolling };
}

/**
 * Display order: our own camera first, then the others in join order (screen shares after their
 * owner). `tiles` are {local, source}; a stable sort keeps the insertion order otherwise.
 */
export function orderTiles(tiles) {
  return [...tiles].sort((a, b) => (b.local && b.source === "camera") - (a.local && a.source === "camera"));
}

/** The tile shown large: a remote screen share first, then our own; null without one. */
export function featuredTile(tiles) {
  const screens = [...tiles].filter((t) => t.source === "screen");
  return screens.find((t) => !t.local) || screens[0] || null;
}
