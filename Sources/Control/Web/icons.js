// Inline SVG icons, drawn on a 24×24 grid with round 2 px strokes so they inherit `currentColor`
// and scale with the font. No icon font and no network request: the app works offline.

const paths = {
  mic: '<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3M8 21h8"/>',
  micOff: '<path d="M15 9.5V6a3 3 0 0 0-5.9-.8M9 9v2a3 3 0 0 0 4.6 2.5M5 11a7 7 0 0 0 11.3 5.5M19 11a7 7 0 0 1-.6 2.8M12 18v3M8 21h8M3 3l18 18"/>',
  camera: '<rect x="2" y="6" width="13" height="12" rx="2"/><path d="M15 10.5l6-3.5v10l-6-3.5z"/>',
  cameraOff: '<path d="M10 6h3a2 2 0 0 1 2 2v2.5l6-3.5v10l-2-1.2M15 15v1a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h1M3 3l18 18"/>',
  screen: '<rect x="2" y="4" width="20" height="13" rx="2"/><path d="M8 21h8M12 17v4M12 13.5V8M9 10.5l3-3 3 3"/>',
  screenOff: '<rect x="2" y="4" width="20" height="13" rx="2"/><path d="M8 21h8M12 17v4M9 8l6 6M15 8l-6 6"/>',
  chat: '<path d="M4 4h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H10l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z"/>',
  people: '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0M15.5 4.7a3.5 3.5 0 0 1 0 6.6M18 14.5a6.5 6.5 0 0 1 3.5 5.5"/>',
  link: '<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>',
  leave: '<path d="M10 4H5a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h5M15 8l4 4-4 4M19 12H9"/>',
  lock: '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>',
  unlock: '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V8a4 4 0 0 1 7.7-1.5"/>',
  close: '<path d="M6 6l12 12M18 6L6 18"/>',
  send: '<path d="M4 12l16-8-6 16-2.5-6.5z"/>',
  host: '<path d="M3 8l4.5 3.5L12 5l4.5 6.5L21 8l-2 11H5z"/>',
  remove: '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 11h6"/>',
  end: '<circle cx="12" cy="12" r="9"/><path d="M9 9l6 6M15 9l-6 6"/>',
  speaker: '<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16.5 8.5a5 5 0 0 1 0 7"/>',
  copy: '<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3"/>',
  warning: '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.01"/>',
  spinner: '<path d="M12 3a9 9 0 1 0 9 9"/>',
};

/** Returns the SVG markup of an icon; `label` makes it an image with a name (otherwise decorative). */
export function icon(name, label) {
  const a11y = label ? `role="img" aria-label="${label}"` : 'aria-hidden="true" focusable="false"';
  return `<svg class="icon icon-${name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" ${a11y}>${paths[name] || ""}</svg>`;
}

/** Signal bars for connection quality (`excellent`, `good`, `poor`, `lost`). */
export function qualityBars(quality) {
  if (!["excellent", "good", "poor", "lost"].includes(quality)) quality = "excellent";
  const lit = { excellent: 4, good: 3, poor: 2, lost: 0 }[quality] ?? 4;
  let bars = "";
  for (let i = 0; i < 4; i++) {
    bars += `<rect x="${2 + i * 5.5}" y="${18 - i * 4.5}" width="3.5" height="${4 + i * 4.5}" rx="1" class="${i < lit ? "on" : "off"}"/>`;
  }
  return `<svg class="bars q-${quality}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${bars}</svg>`;
}
