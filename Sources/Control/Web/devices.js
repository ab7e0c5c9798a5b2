// Camera and microphone: opening them (falling back to whichever one works) and remembering the
// person's name and device choice between visits. No DOM; browser APIs only when called.
import { describeMediaError } from "./words.js";

const NAME_KEY = "cascade.name";
const DEVICES_KEY = "cascade.devices";

export function rememberedName() {
  try { return localStorage.getItem(NAME_KEY) || ""; } catch { return ""; } // storage blocked: nothing remembered
}

export function remember(name, devices) {
  try {
    localStorage.setItem(NAME_KEY, name);
    localStorage.setItem(DEVICES_KEY, JSON.stringify(devices));
  } catch { /* private mode: nothing to remember */ }
}

export function rememberedDevices() {
  try { return JSON.parse(localStorage.getItem(DEVICES_KEY) || "{}") || {}; } catch { return {}; } // blocked or garbled: the defaults
}

export function mediaAvailable() {
  return !!(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

/**
 * Gets camera and microphone, falling back to whichever one works. Returns
 * {stream, error}: the stream may lack either kind; `error` explains what is missing.
 */
export async function openDevices({ cameraId, micId, audio = true, video = true } = {}) {
  const stream = new MediaStream();
  if (!mediaAvailable()) return { stream, error: describeMediaError({ name: "InsecureContext" }) };
  const videoConstraint = cameraId ? { deviceId: { ideal: cameraId }, width: { ideal: 1280 }, height: { ideal: 720 } } : { width: { ideal: 1280 }, height: { ideal: 720 } };
  const audioConstraint = micId ? { deviceId: { ideal: micId }, echoCancellation: true, noiseSuppression: true } : { echoCancellation: true, noiseSuppression: true };
  try {
    if (!audio && !video) return { stream, error: "" };
    const both = await navigator.mediaDevices.getUserMedia({ audio: audio && audioConstraint, video: video && videoConstraint });
    both.getTracks().forEach((t) => stream.addTrack(t));
    return { stream, error: "" };
  } catch (first) {
    // One device may work without the other (no camera, or the camera is busy).
    const errors = [];
    for (const [kind, constraint] of [["audio", audio && audioConstraint], ["video", video && videoConstraint]]) {
      if (!constraint) continue;
      try {
        const one = await navigator.mediaDevices.getUserMedia({ [kind]: constraint });
        one.getTracks().forEach((t) => stream.addTrack(t));
      } catch (error) {
        errors.push(describeMediaError(error, kind === "audio" ? "microphone" : "camera"));
      }
    }
    if (errors.length === 2 || (errors.length && first.name === "NotAllowedError")) return { stream, error: describeMediaError(first) };
    return { stream, error: errors.join(" ") };
  }
}

/** Autojoin (tests, kiosks): default devices, no screen shown. */
export async function quickDevices() {
  const selected = rememberedDevices();
  const { stream, error } = await openDevices({});
  if (error) console.warn("cascade:", error);
  return { stream, micOn: true, camOn: stream.getVideoTracks().length > 0, camWanted: stream.getVideoTracks().length > 0, devices: selected, error };
}
