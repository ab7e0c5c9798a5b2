// The pre-join screen: camera and microphone preview, device choice, display name. Resolves with
// what the meeting needs: the name, a MediaStream with the live tracks, the chosen device ids and
// whether the microphone and camera start on.
import { icon } from "./icons.js";
import { initials, colorFor } from "./words.js";
import { openDevices, mediaAvailable, rememberedName, rememberedDevices, remember } from "./devices.js";

const $ = (id) => document.getElementById(id);
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

/**
 * Runs the pre-join screen (the caller shows it) and resolves when the person presses Join. The
 * name field starts with the name remembered from the last visit, else `suggestedName` (?name=).
 */
export function runPrejoin(room, suggestedName = "") {
  return new Promise((resolve) => {
    $("prejoin-room").textContent = room;
    const nameInput = $("display-name");
    nameInput.value = rememberedName() || suggestedName;
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
      if (state.meter) { state.meter.stop(); state.meter.context.close().catch(() => { /* already closed: nothing left to free */ }); state.meter = null; }
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
      // The preview is muted, which autoplay always allows; play() only fails when a newer stream
      // replaced this one first (AbortError), and that one plays.
      video.play().catch(() => {});
      state.camWanted = state.stream.getVideoTracks().length > 0 || state.camWanted;
      if (kinds.audio) startMeter();
      render();
      await fillDeviceLists({
        cameraId: state.stream.getVideoTracks()[0]?.getSettings().deviceId || selected.cameraId,
        micId: state.stream.getAudioTracks()[0]?.getSettings().deviceId || selected.micId,
        speakerId: selected.speakerId,
      }).catch((error) => {
        // The lists stay as they were; joining works with the default devices.
        console.warn("cascade: listing devices", error);
      });
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
      video.srcObject = null;
      resolve({ name, stream: state.stream, micOn: state.micOn, camOn: state.camOn, camWanted: !!state.camWanted, devices: { ...selected } });
    };

    render();
    if (!nameInput.value) nameInput.focus();
    else $("join").focus();
    open();
  });
}
