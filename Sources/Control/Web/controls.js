// The control bar, side panel and host actions: rendering from the state, and what each button does.
import { S, grid } from "/app/state.js";
import { SignalingError } from "/app/signaling.js";
import { icon } from "/app/icons.js";
import { toast, renderControls, showPanel, renderPeople } from "/app/panels.js";
import { setLocalMuted, startScreenShare, stopScreenShare } from "/app/calls.js";
import { isHost, publicationOf } from "/app/roster.js";
import { leave } from "/app/meeting.js";

// Local, not imported: modules in an import cycle must not touch each other's bindings at load.
const $ = (id) => document.getElementById(id);

export function render() {
  renderControls({
    micOn: S.local.micOn, camOn: S.local.camOn,
    micAvailable: S.local.hasAudio, camAvailable: S.local.hasVideo,
    screenSharing: !!S.screen, screenSupported: !!navigator.mediaDevices?.getDisplayMedia,
    panel: S.panel, unread: S.unread, peopleCount: S.participants.size + 1,
    quality: S.quality, locked: S.locked,
  });
}


export function renderPeopleList() {
  if (S.phase !== "meeting" && S.phase !== "reconnecting") return;
  const self = { id: S.participantId, name: S.name, host: isHost(), state: "active", muted: { audio: !S.local.micOn, video: !S.local.camOn }, self: true };
  const others = [...S.participants.values()].map((p) => {
    const cam = publicationOf(p, "camera");
    return { id: p.id, name: p.name, host: p.host, state: p.state, self: false, muted: { audio: !cam || cam.muted.audio, video: !cam || cam.muted.video } };
  });
  renderPeople([self, ...others], { selfIsHost: isHost(), locked: S.locked }, {
    mute: (id, kind) => hostMute(id, kind).catch((e) => toast(e.message, "error")),
    remove: (id) => hostRemove(id).catch((e) => toast(e.message, "error")),
    lock: (locked) => hostLock(locked).catch((e) => toast(e.message, "error")),
    end: () => hostEnd().catch((e) => toast(e.message, "error")),
  });
}


export function togglePanel(which) {
  S.panel = S.panel === which ? null : which;
  if (S.panel === "chat") S.unread = 0;
  showPanel(S.panel);
  render();
  if (S.panel === "chat") $("chat-input").focus();
  if (S.panel === "people") renderPeopleList();
  requestAnimationFrame(() => grid.layout());
}


export function requireSignaling() {
  if (!S.signaling) throw new SignalingError("disconnected", "You are not connected right now.");
  return S.signaling;
}


export async function sendChat(text) {
  const value = String(text).trim();
  if (!value) return null;
  const reply = await requireSignaling().request({ type: "chat", text: value.slice(0, 4000) });
  return reply.messageId ?? null;
}


export async function hostMute(participantId, kind) {
  await requireSignaling().request({ type: "host.mute", participantId, kind });
}


export async function hostRemove(participantId) {
  await requireSignaling().request({ type: "host.remove", participantId });
}


export async function hostLock(locked) {
  await requireSignaling().request({ type: "host.lock", locked: !!locked });
}


export async function hostEnd() {
  await requireSignaling().request({ type: "host.end" });
}


export async function copyInvite() {
  const link = `${location.origin}/r/${encodeURIComponent(S.room)}`;
  const extra = S.tokenFromURL ? " Each person needs their own access token on this server." : "";
  try {
    await navigator.clipboard.writeText(link);
    toast(`Invite link copied: ${link}.${extra}`);
  } catch {
    const field = document.createElement("textarea");
    field.value = link;
    document.body.append(field);
    field.select();
    const ok = document.execCommand && document.execCommand("copy");
    field.remove();
    toast(ok ? `Invite link copied: ${link}.${extra}` : `Share this link: ${link}${extra}`, "info", 10000);
  }
}


$("btn-mic").onclick = () => setLocalMuted("audio", S.local.micOn);

$("btn-camera").onclick = () => setLocalMuted("video", S.local.camOn);

$("btn-screen").onclick = () => (S.screen ? stopScreenShare() : startScreenShare()).catch(() => {});

$("btn-chat").onclick = () => togglePanel("chat");

$("btn-people").onclick = () => togglePanel("people");

$("btn-leave").onclick = () => leave();

$("invite").innerHTML = `${icon("link")}<span class="label">Invite</span>`;

$("invite").onclick = () => copyInvite();

$("panel-close").innerHTML = icon("close");

$("panel-close").onclick = () => togglePanel(S.panel);

$("tab-chat").onclick = () => { if (S.panel !== "chat") togglePanel("chat"); };

$("tab-people").onclick = () => { if (S.panel !== "people") togglePanel("people"); };

$("chat-send").innerHTML = icon("send");

$("enable-sound").onclick = () => {
  for (const tile of grid.tiles.values()) tile.video.play().catch(() => {});
  $("sound-banner").hidden = true;
};

$("chat-form").onsubmit = async (event) => {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  try {
    await sendChat(text);
    input.value = "";
  } catch (error) {
    toast(error.code === "disconnected" ? "Not sent: you are offline. It will be kept here; try again when reconnected." : `Not sent: ${error.message}`, "error");
  }
};

$("chat-input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("chat-form").requestSubmit();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && S.panel) togglePanel(S.panel);
});

$("tab-chat").addEventListener("keydown", (e) => { if (e.key === "ArrowRight") $("tab-people").click(), $("tab-people").focus(); });

$("tab-people").addEventListener("keydown", (e) => { if (e.key === "ArrowLeft") $("tab-chat").click(), $("tab-chat").focus(); });

