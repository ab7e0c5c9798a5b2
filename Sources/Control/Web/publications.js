// What we send: one sendonly PeerConnection per source (camera with microphone, screen), renewed
// when its transport fails; muting and screen sharing. The PeerConnections are kept here; what
// the page shows about them (muted, sharing) goes to the store.
import { store } from "./state.js";
import { SignalingError } from "./signaling.js";
import { createPublisher, applyAnswer, stopStream, senderFor, waitForIceGathering, waitForConnected } from "./media.js";
import { restartIce, watchIce } from "./icerestart.js";
import { openDevices } from "./devices.js";
import { describeMediaError } from "./words.js";
import { toast } from "./panels.js";

/** Our publications: {source, pc, publicationId, stream, since, republishing, ice}. */
const ours = { camera: null, screen: null };
let publishingCamera = false;
let cameraWarned = false;
let screenStarting = false;

export const publications = () => [ours.camera, ours.screen].filter(Boolean);
export const cameraPublication = () => ours.camera;

async function publish(source, tracks, stream, muted) {
  const { signaling, iceServers } = store.get();
  if (!signaling) throw new SignalingError("disconnected", "Not connected.");
  const pc = await createPublisher(iceServers, tracks, stream);
  let reply;
  try {
    reply = await signaling.request({ type: "publish", source, offer: pc.localDescription.sdp, muted });
    await applyAnswer(pc, reply.answer);
  } catch (error) {
    pc.close();
    throw error;
  }
  const pub = { source, pc, publicationId: reply.publicationId, stream, since: Date.now() };
  watchPublication(pub, pc);
  return pub;
}

/** The camera publication's tracks: a transceiver per device we have, null while it is off. */
function cameraTracks() {
  const { local } = store.get();
  const tracks = {};
  if (local.hasAudio) tracks.audio = local.stream.getAudioTracks()[0] || null;
  if (local.hasVideo) tracks.video = local.camOn ? local.stream.getVideoTracks()[0] || null : null;
  return tracks;
}

function screenTracks(stream) {
  const tracks = { video: stream.getVideoTracks()[0] || null };
  if (stream.getAudioTracks()[0]) tracks.audio = stream.getAudioTracks()[0];
  return tracks;
}

const cameraMutedFlags = (local) => ({ audio: !local.micOn, video: !local.camOn });

export async function publishCamera() {
  if (ours.camera || publishingCamera) return;
  const tracks = cameraTracks();
  if (!Object.keys(tracks).length) return;
  const { local } = store.get();
  local.stream.getAudioTracks().forEach((t) => { t.enabled = local.micOn; });
  publishingCamera = true;
  try {
    ours.camera = await publish("camera", tracks, local.stream, cameraMutedFlags(local));
    cameraWarned = false;
  } catch (error) {
    if (error.code === "forbidden") {
      toast("Your invitation lets you watch and listen, but not send video or sound.", "warn", 8000);
      stopStream(local.stream);
      store.update((s) => { Object.assign(s.local, { hasAudio: false, hasVideo: false, micOn: false, camOn: false }); });
    } else if (!cameraWarned && error.code !== "disconnected") {
      // healMedia() tries again every few seconds; say it once.
      cameraWarned = true;
      toast(`Others cannot see or hear you yet (${error.message}). Retrying…`, "error", 8000);
    }
  } finally {
    publishingCamera = false;
  }
}

/** A restarted PeerConnection that is not connected again by then is published anew. */
const RESTART_TIMEOUT_MS = 8000;

/** ICE that disconnects for good or fails is restarted first: the publication keeps its id and
 * nobody else notices; only a restart that does not work publishes again. */
function watchPublication(pub, pc) {
  pub.ice?.stop();
  pub.ice = watchIce(pc, () => restartPublication(pub, pc));
}

export async function restartPublication(pub, pc = pub.pc) {
  if (pub.pc !== pc || pub.republishing || store.get().phase !== "meeting") return;
  try {
    const { signaling } = store.get();
    if (!signaling) throw new SignalingError("disconnected", "Not connected.");
    await restartIce(pc, async (offer) => (await signaling.request({ type: "ice.restart", publicationId: pub.publicationId, offer })).answer,
      waitForIceGathering);
    if (!(await waitForConnected(pc, RESTART_TIMEOUT_MS))) throw new Error("not connected again after the ICE restart");
  } catch (error) {
    if (pub.pc !== pc) return;
    console.warn("cascade: ICE restart of a publication did not work; publishing again", error);
    // healMedia() retries what fails here, and says so.
    await republish(pub, true).catch((failure) => console.warn("cascade: republish (healMedia retries)", failure));
  }
}

/** Asks the server to end a publication we no longer use. */
function unpublish(publicationId) {
  return store.get().signaling?.request({ type: "unpublish", publicationId })
    // Not found or disconnected: the server ends it anyway (with the old participant or the
    // media node's timeout), and nobody receives it meanwhile.
    .catch((error) => console.warn("cascade: unpublish", error));
}

/** New PeerConnection for a publication whose transport failed; then unpublish the old id. */
export async function republish(pub, unpublishOld) {
  if (pub.republishing) return;
  pub.republishing = true;
  try {
    const tracks = pub.source === "camera" ? cameraTracks() : screenTracks(pub.stream);
    const muted = pub.source === "camera" ? cameraMutedFlags(store.get().local) : { audio: false, video: false };
    let fresh;
    try {
      fresh = await publish(pub.source, tracks, pub.stream, muted);
    } catch (error) {
      if (error.code !== "already_published") throw error;
      // The server allows one publication per source: end the old one first.
      await unpublish(pub.publicationId);
      unpublishOld = false;
      fresh = await publish(pub.source, tracks, pub.stream, muted);
    }
    const old = { pc: pub.pc, publicationId: pub.publicationId };
    pub.pc = fresh.pc;
    pub.since = fresh.since;
    pub.publicationId = fresh.publicationId;
    watchPublication(pub, fresh.pc);
    if (unpublishOld) unpublish(old.publicationId);
    old.pc.close();
  } finally {
    pub.republishing = false;
  }
}

/** Puts `track` (or nothing) on the camera publication's video sender, if we publish. */
async function replaceCameraTrack(track) {
  const sender = ours.camera && senderFor(ours.camera.pc, "video");
  if (!sender) return;
  // Fails only when the PeerConnection closed meanwhile (teardown, republish): the new one
  // takes its tracks from the local stream.
  await sender.replaceTrack(track).catch((error) => console.warn("cascade: replaceTrack", error));
}

/** Mutes or unmutes our microphone or camera; `notify` tells the server (not when a host did it). */
export async function setLocalMuted(kind, muted, notify = true) {
  const { local } = store.get();
  if (kind === "audio") {
    if (!local.hasAudio) return;
    store.update((s) => {
      s.local.micOn = !muted;
      s.local.stream.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    });
  } else if (muted) {
    if (!local.hasVideo) return;
    // Camera off: stop the track so the camera light goes off.
    store.update((s) => { s.local.camOn = false; });
    await replaceCameraTrack(null);
    store.update((s) => {
      s.local.stream.getVideoTracks().forEach((t) => { t.stop(); s.local.stream.removeTrack(t); });
    });
  } else {
    if (!local.hasVideo) return;
    const { stream, error } = await openDevices({ cameraId: local.devices.cameraId, audio: false, video: true });
    const track = stream.getVideoTracks()[0];
    if (!track) {
      toast(error || describeMediaError(null, "camera"), "error", 8000);
      return;
    }
    store.update((s) => {
      s.local.stream.addTrack(track);
      s.local.camOn = true;
    });
    await replaceCameraTrack(track);
  }
  const { signaling } = store.get();
  if (notify && ours.camera && signaling) {
    await signaling.request({ type: "mute", publicationId: ours.camera.publicationId, kind, muted })
      .catch((error) => toast(`The others may not see that change yet (${error.message}).`, "warn"));
  }
}

export async function startScreenShare() {
  if (ours.screen || screenStarting) return;
  if (!navigator.mediaDevices?.getDisplayMedia) throw new Error("This browser cannot share the screen.");
  screenStarting = true;
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
  } catch (error) {
    screenStarting = false;
    // Cancelling the browser's picker is NotAllowedError too: that needs no message.
    if (error.name !== "NotAllowedError") toast(describeMediaError(error, "screen sharing"), "error", 7000);
    throw error;
  }
  const track = stream.getVideoTracks()[0];
  if ("contentHint" in track) track.contentHint = "detail";
  try {
    ours.screen = await publish("screen", screenTracks(stream), stream, { audio: false, video: false });
  } catch (error) {
    stopStream(stream);
    toast(`Could not share your screen: ${error.message}`, "error");
    throw error;
  } finally {
    screenStarting = false;
  }
  track.addEventListener("ended", () => stopScreenShare()); // "Stop sharing" in the browser's bar
  store.update((s) => { s.local.screen = stream; });
}

export async function stopScreenShare() {
  const pub = ours.screen;
  if (!pub) return;
  ours.screen = null;
  store.update((s) => { s.local.screen = null; });
  stopStream(pub.stream);
  pub.pc.close();
  await unpublish(pub.publicationId);
}

/** The meeting ended: close every publication and stop the screen capture. */
export function closePublications() {
  for (const pub of publications()) {
    pub.pc.close();
    if (pub.source === "screen") stopStream(pub.stream);
  }
  ours.camera = ours.screen = null;
  store.update((s) => { s.local.screen = null; });
}
