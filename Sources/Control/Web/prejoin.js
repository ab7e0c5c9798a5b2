// The pre-join screen: camera and microphone preview, device choice, display name. Resolves with
// what the meeting needs: the name, a MediaStream with the live tracks, the chosen device ids and
// whether the microphone and camera start on.
import { icon } from "/app/icons.js";
import { describeMediaError, initials, colorFor } from "/app/words.js";

const $ = (id) => document.getElementById(id);
const NAME_KEY = "cascade.name";
const DEVICES_KEY = "cascade.devices";

export function rememberedName() {
  try { return localStorage.getItem(NAME_KEY) || ""; } catch { return ""; }
}

function remember(name, devices) {
  try {
    localStorage.setItem(NAME_KEY, name);
    localStorage.setItem(DEVICES_KEY, JSON.stringify(devices));
  } catch { /* private mode: nothing to remember */ }
}

function rememberedDevices() {
  try { return JSON.parse(localStorage.getItem(DEVICES_KEY) || "{}") || {}; } catch { return {}; }
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

async function fillDeviceLists(selected) {
  if (!mediaAvailable()) return;
  const devices = await navigator.mediaDevices.enumerateDevices();
  const fill = (select, kind, current, emptyText) => {
    const list = devices.filter((d) => d.kind === kind);
    select.replaceChildren(...list.map((d, i) => new Option(d.label || `${emptyText} ${i + 1}`, d.deviceId, false, d.deviceId === current)));
    if (!list.length) select.replaceChildren(new Option(`No ${emptyText.toLowerCase()} found`, ""));
    select.disabled = !list.length;
  };
  fill($("camera-select"), "videoinput", selected.cameraId, "Camera");
  fill($("mic-select"), "audioinput", selected.micId, "Microphone");
  const sinkSupported = "setSinkId" in HTMLMediaElement.prototype;
  $("speaker-field").hidden = !sinkSupported || !devices.some((d) => d.kind === "audiooutput");
  if (sinkSupported) fill($("speaker-select"), "audiooutput", selected.speakerId, "Speaker");
}

/** Shows the pre-join screen and resolves when the person presses Join. */
export function runPrejoin(room) {
  return new Promise((resolve) => {
    const screen = $("prejoin");
    screen.hidden = false;
    $("prejoin-room").textContent = room;
    const nameInput = $("display-name");
    nameInput.value = rememberedName();
    const selected = rememberedDevices();
    const state = { stream: new MediaStream(), micOn: true, camOn: true, meter: null };
    const video = $("preview");

    const updateAvatar = () => {
      const name = nameInput.value.trim() || "?";
      $("preview-avatar").textContent = initials(name);
      $("preview-avatar").style.background = colorFor(name);
    };
    const render = () => {
      const hasVideo = state.camOn && state.stream.getVideoTracks().some((t) => t.readyState === "live");
      $("preview-box").classList.toggle("has-video", hasVideo);
      $("pre-mic").innerHTML = icon(state.micOn ? "mic" : "micOff");
      $("pre-mic").setAttribute("aria-label", state.micOn ? "Turn microphone off" : "Turn microphone on");
      $("pre-mic").dataset.on = String(state.micOn);
      $("pre-mic").classList.toggle("off", !state.micOn);
      $("pre-cam").innerHTML = icon(state.camOn ? "camera" : "cameraOff");
      $("pre-cam").setAttribute("aria-label", state.camOn ? "Turn camera off" : "Turn camera on");
      $("pre-cam").dataset.on = String(state.camOn);
      $("pre-cam").classList.toggle("off", !state.camOn);
      $("pre-mic").disabled = !state.stream.getAudioTracks().length;
      $("pre-cam").disabled = !state.stream.getVideoTracks().length && !state.camWanted;
      $("preview-note").textContent = !state.camWanted ? "No camera available" : !state.camOn ? "Your camera is off" : hasVideo ? "" : "Starting camera…";
      updateAvatar();
    };

    const startMeter = () => {
      stopMeter();
      const track = state.stream.getAudioTracks()[0];
      if (!track || !window.AudioContext) return;
      try {
        const context = new AudioContext();
        const analyser = context.createAnalyser();
        analyser.fftSize = 512;
        context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
        const data = new Uint8Array(analyser.fftSize);
        const bar = $("mic-level");
        let frame = 0;
        const tick = () => {
          analyser.getByteTimeDomainData(data);
          let peak = 0;
          for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
          bar.style.transform = `scaleX(${state.micOn ? Math.min(1, peak / 64) : 0})`;
          frame = requestAnimationFrame(tick);
        };
        tick();
        state.meter = { context, stop: () => cancelAnimationFrame(frame) };
      } catch { /* the meter is a nicety */ }
    };
    const stopMeter = () => {
      if (state.meter) { state.meter.stop(); state.meter.context.close().catch(() => {}); state.meter = null; }
    };

    const open = async (kinds = { audio: true, video: true }) => {
      const { stream, error } = await openDevices({ cameraId: selected.cameraId, micId: selected.micId, ...kinds });
      for (const kind of ["audio", "video"]) {
        if (!kinds[kind]) continue;
        const fresh = stream.getTracks().filter((t) => t.kind === kind);
        if (!fresh.length && kind === "video" && state.camOn && error) state.camOn = state.stream.getVideoTracks().length > 0;
        if (!fresh.length) continue;
        state.stream.getTracks().filter((t) => t.kind === kind).forEach((t) => { t.stop(); state.stream.removeTrack(t); });
        fresh.forEach((t) => { state.stream.addTrack(t); if (kind === "audio") t.enabled = state.micOn; });
      }
      $("device-error").textContent = error;
      video.srcObject = state.stream;
      video.play().catch(() => {});
      state.camWanted = state.stream.getVideoTracks().length > 0 || state.camWanted;
      if (kinds.audio) startMeter();
      render();
      await fillDeviceLists({
        cameraId: state.stream.getVideoTracks()[0]?.getSettings().deviceId || selected.cameraId,
        micId: state.stream.getAudioTracks()[0]?.getSettings().deviceId || selected.micId,
        speakerId: selected.speakerId,
      }).catch(() => {});
    };

    $("pre-mic").onclick = () => {
      state.micOn = !state.micOn;
      state.stream.getAudioTracks().forEach((t) => { t.enabled = state.micOn; });
      render();
    };
    $("pre-cam").onclick = async () => {
      state.camOn = !state.camOn;
      if (!state.camOn) {
        // Camera off means the light goes off: stop the track, open it again when turned on.
        state.stream.getVideoTracks().forEach((t) => { t.stop(); state.stream.removeTrack(t); });
        render();
      } else {
        render();
        await open({ audio: false, video: true });
      }
    };
    $("camera-select").onchange = async () => {
      selected.cameraId = $("camera-select").value;
      if (state.camOn) await open({ audio: false, video: true });
    };
    $("mic-select").onchange = async () => {
      selected.micId = $("mic-select").value;
      await open({ audio: true, video: false });
    };
    $("speaker-select").onchange = () => { selected.speakerId = $("speaker-select").value; };
    nameInput.oninput = () => { $("prejoin-error").textContent = ""; updateAvatar(); };

    $("prejoin-form").onsubmit = (event) => {
      event.preventDefault();
      const name = nameInput.value.trim();
      if (!name) {
        $("prejoin-error").textContent = "Please type your name, so others know who joined.";
        nameInput.focus();
        return;
      }
      stopMeter();
      remember(name, selected);
      screen.hidden = true;
      video.srcObject = null;
      resolve({ name, stream: state.stream, micOn: state.micOn, camOn: state.camOn, camWanted: !!state.camWanted, devices: { ...selected } });
    };

    render();
    if (!nameInput.value) nameInput.focus();
    else $("join").focus();
    open();
  });
}

/** Autojoin (tests, kiosks): default devices, no screen shown. */
export async function quickDevices() {
  const selected = rememberedDevices();
  const { stream, error } = await openDevices({});
  if (error) console.warn("cascade:", error);
  return { stream, micOn: true, camOn: stream.getVideoTracks().length > 0, camWanted: stream.getVideoTracks().length > 0, devices: selected, error };
}
