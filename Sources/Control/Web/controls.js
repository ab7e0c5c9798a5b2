// The meeting's controls: the control bar, the side panel (chat and people with host actions)
// and the keyboard, drawn from the store (panels.js draws) and wired to `actions`, which
// meeting.js passes in: {setMuted, toggleScreen, leave, copyInvite, sendChat, hostMute,
// hostRemove, hostLock, hostEnd}.
import { watch } from "./store.js";
import { togglePanel } from "./state.js";
import { isHost, publicationOf } from "./roster.js";
import { icon } from "./icons.js";
import { toast, renderControls, showPanel, renderPeople, addChatMessage } from "./panels.js";

/** What the control bar shows (plain data, see store.js watch). */
export function controlsView(s, screenSupported) {
  return {
    micOn: s.local.micOn, camOn: s.local.camOn,
    micAvailable: s.local.hasAudio, camAvailable: s.local.hasVideo,
    screenSharing: !!s.local.screen, screenSupported,
    panel: s.panel, unread: s.unread, peopleCount: s.participants.size + 1,
    quality: s.quality, locked: s.locked,
  };
}

/** The people list: us first, then the others; null outside the meeting (nothing to redraw). */
export function peopleView(s) {
  if (s.phase !== "meeting" && s.phase !== "reconnecting") return null;
  const self = { id: s.participantId, name: s.name, host: isHost(s), state: "active", muted: { audio: !s.local.micOn, video: !s.local.camOn }, self: true };
  const others = [...s.participants.values()].map((p) => {
    const cam = publicationOf(p, "camera");
    return { id: p.id, name: p.name, host: p.host, state: p.state, self: false, muted: { audio: !cam || cam.muted.audio, video: !cam || cam.muted.video } };
  });
  return { people: [self, ...others], selfIsHost: isHost(s), locked: s.locked };
}

export function mountControls(store, actions) {
  const $ = (id) => document.getElementById(id);
  const screenSupported = !!navigator.mediaDevices?.getDisplayMedia;
  const failed = (error) => toast(error.message, "error");
  const hostActions = {
    mute: (id, kind) => actions.hostMute(id, kind).catch(failed),
    remove: (id) => actions.hostRemove(id).catch(failed),
    lock: (locked) => actions.hostLock(locked).catch(failed),
    end: () => actions.hostEnd().catch(failed),
  };

  watch(store, (s) => controlsView(s, screenSupported), renderControls);
  watch(store, peopleView, (view) => { if (view) renderPeople(view.people, view, hostActions); });
  watch(store, (s) => s.panel, showPanel);
  let chatShown = 0; // the chat list only grows: append what is new
  store.subscribe((s) => {
    while (chatShown < s.chat.length) addChatMessage(s.chat[chatShown++], s.participantId);
  });

  const toggle = (which) => {
    store.update((s) => togglePanel(s, which));
    if (store.get().panel === "chat") $("chat-input").focus();
  };
  const local = () => store.get().local;

  $("btn-mic").onclick = () => actions.setMuted("audio", local().micOn).catch(failed);
  $("btn-camera").onclick = () => actions.setMuted("video", local().camOn).catch(failed);
  // startScreenShare() has already said what went wrong (or the person closed the picker).
  $("btn-screen").onclick = () => actions.toggleScreen().catch((error) => console.warn("cascade: screen share", error));
  $("btn-chat").onclick = () => toggle("chat");
  $("btn-people").onclick = () => toggle("people");
  $("btn-leave").onclick = () => actions.leave();
  $("invite").innerHTML = `${icon("link")}<span class="label">Invite</span>`;
  $("invite").onclick = () => actions.copyInvite();
  $("panel-close").innerHTML = icon("close");
  $("panel-close").onclick = () => toggle(store.get().panel);
  $("tab-chat").onclick = () => { if (store.get().panel !== "chat") toggle("chat"); };
  $("tab-people").onclick = () => { if (store.get().panel !== "people") toggle("people"); };
  $("chat-send").innerHTML = icon("send");

  $("chat-form").onsubmit = async (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (!text) return;
    try {
      await actions.sendChat(text);
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
    if (event.key === "Escape" && store.get().panel) toggle(store.get().panel);
  });
  $("tab-chat").addEventListener("keydown", (e) => { if (e.key === "ArrowRight") { $("tab-people").click(); $("tab-people").focus(); } });
  $("tab-people").addEventListener("keydown", (e) => { if (e.key === "ArrowLeft") { $("tab-chat").click(); $("tab-chat").focus(); } });
}
