// The meeting's chrome around the video: control bar, side panel (chat and people with host
// controls) and toasts. Drawing only, from the values passed in: controls.js decides when, from
// the store, and passes the actions the buttons run.
import { icon, qualityBars } from "./icons.js";
import { initials, colorFor } from "./words.js";

const $ = (id) => document.getElementById(id);

function setButton(button, iconName, label, { pressed, expanded, badge } = {}) {
  button.innerHTML = `${icon(iconName)}<span class="label">${label}</span>${badge ? `<span class="badge" data-testid="${badge.testid}">${badge.text}</span>` : ""}`;
  button.setAttribute("aria-label", badge ? `${label} (${badge.text} unread)` : label);
  button.title = label;
  if (pressed !== undefined) button.setAttribute("aria-pressed", String(pressed));
  if (expanded !== undefined) button.setAttribute("aria-expanded", String(expanded));
}

/**
 * Toasts: short messages that fade after a few seconds (also read out by screen readers). A toast
 * with a `key` replaces the visible one with the same key (e.g. a burst of "X joined").
 */
export function toast(text, kind = "info", ms = 4500, key = "") {
  const box = $("toasts");
  const same = key && [...box.children].find((t) => t.dataset.key === key);
  if (same) same.remove();
  const item = document.createElement("div");
  item.dataset.key = key;
  item.className = `toast ${kind}`;
  item.dataset.testid = "toast";
  item.textContent = text;
  box.append(item);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => item.remove(), ms);
}

export function renderControls(s) {
  // Toggles say what they will do ("Mute" / "Unmute") rather than carrying aria-pressed as well:
  // a changing label and a pressed state together read ambiguously. data-on is for tests.
  setButton($("btn-mic"), s.micOn ? "mic" : "micOff", s.micOn ? "Mute" : "Unmute");
  $("btn-mic").dataset.on = String(s.micOn);
  $("btn-mic").classList.toggle("off", !s.micOn);
  $("btn-mic").disabled = !s.micAvailable;
  setButton($("btn-camera"), s.camOn ? "camera" : "cameraOff", s.camOn ? "Stop video" : "Start video");
  $("btn-camera").dataset.on = String(s.camOn);
  $("btn-camera").classList.toggle("off", !s.camOn);
  $("btn-camera").disabled = !s.camAvailable;
  setButton($("btn-screen"), s.screenSharing ? "screenOff" : "screen", s.screenSharing ? "Stop sharing" : "Share screen");
  $("btn-screen").dataset.on = String(s.screenSharing);
  $("btn-screen").classList.toggle("active", s.screenSharing);
  $("btn-screen").hidden = !s.screenSupported;
  setButton($("btn-chat"), "chat", "Chat", {
    expanded: s.panel === "chat",
    badge: s.unread ? { text: s.unread > 9 ? "9+" : String(s.unread), testid: "chat-unread" } : null,
  });
  $("btn-chat").classList.toggle("active", s.panel === "chat");
  setButton($("btn-people"), "people", "People", { expanded: s.panel === "people" });
  $("btn-people").classList.toggle("active", s.panel === "people");
  $("btn-people").insertAdjacentHTML("beforeend", `<span class="count" aria-hidden="true">${s.peopleCount}</span>`);
  $("btn-people").setAttribute("aria-label", `People (${s.peopleCount})`);
  setButton($("btn-leave"), "leave", "Leave");
  $("people-count").textContent = `(${s.peopleCount})`;
  $("self-quality").innerHTML = s.quality ? qualityBars(s.quality) : "";
  $("self-quality").title = s.quality ? `Your connection: ${s.quality}` : "";
  $("lock-indicator").hidden = !s.locked;
  $("lock-indicator").innerHTML = icon("lock", "Meeting locked");
}

/** Opens the side panel on a tab ("chat" or "people"), or closes it (null). */
export function showPanel(which) {
  $("panel").hidden = !which;
  document.body.classList.toggle("panel-open", !!which);
  for (const [tab, pane] of [["tab-chat", "chat-pane"], ["tab-people", "people-pane"]]) {
    const on = pane.startsWith(which || "-");
    $(tab).setAttribute("aria-selected", String(on));
    $(tab).tabIndex = on ? 0 : -1;
    $(pane).hidden = !on;
  }
}

function formatTime(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Appends a chat message; consecutive messages of one sender share a header. */
export function addChatMessage(message, selfId) {
  const list = $("chat-list");
  $("chat-empty").hidden = true;
  const mine = message.from === selfId;
  const last = list.lastElementChild;
  const item = document.createElement("li");
  item.className = `chat-message${mine ? " mine" : ""}`;
  item.dataset.testid = "chat-message";
  item.dataset.messageId = message.messageId || "";
  item.dataset.from = message.from || "";
  const grouped = last && last.dataset.from === item.dataset.from && message.ts - Number(last.dataset.ts) < 120000;
  item.dataset.ts = String(message.ts || Date.now());
  const head = document.createElement("div");
  head.className = "chat-head";
  head.hidden = grouped;
  const who = document.createElement("span");
  who.className = "chat-name";
  who.textContent = mine ? "You" : message.name;
  const when = document.createElement("time");
  when.textContent = formatTime(message.ts || Date.now());
  head.append(who, when);
  const text = document.createElement("p");
  text.className = "chat-text";
  text.dataset.testid = "chat-text";
  // Links are made clickable; everything else is text (never innerHTML with others' words).
  for (const part of String(message.text).split(/(https?:\/\/[^\s<>"]+)/)) {
    if (/^https?:\/\//.test(part)) {
      const a = document.createElement("a");
      a.href = part;
      a.textContent = part;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      text.append(a);
    } else if (part) {
      text.append(document.createTextNode(part));
    }
  }
  item.append(head, text);
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.append(item);
  if (nearBottom || mine) list.scrollTop = list.scrollHeight;
}

/**
 * The participant list. `people` = [{id, name, host, state, muted: {audio, video}, self}].
 * Hosts get mute / stop video / remove buttons on others, a lock toggle and "end for all".
 * Destructive actions ask for a second click.
 */
export function renderPeople(people, { selfIsHost, locked }, actions) {
  $("host-tools").hidden = !selfIsHost;
  const lock = $("lock-room");
  lock.innerHTML = `${icon(locked ? "lock" : "unlock")}<span>${locked ? "Unlock meeting" : "Lock meeting"}</span>`;
  lock.dataset.on = String(locked);
  lock.onclick = () => actions.lock(!locked);
  const end = $("end-meeting");
  end.innerHTML = `${icon("end")}<span>End for everyone</span>`;
  confirmTwice(end, "end", "End for everyone?", () => actions.end());

  const list = $("people-list");
  list.replaceChildren(...people.map((p) => {
    const row = document.createElement("li");
    row.className = "person";
    row.dataset.testid = "participant-row";
    row.dataset.participantId = p.id;
    const avatar = document.createElement("span");
    avatar.className = "mini-avatar";
    avatar.textContent = initials(p.name);
    avatar.style.background = colorFor(p.name);
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = p.self ? `${p.name} (you)` : p.name;
    if (p.host) name.insertAdjacentHTML("beforeend", ` <span class="tag">Host</span>`);
    if (p.state === "reconnecting") name.insertAdjacentHTML("beforeend", ` <span class="tag warn">Reconnecting</span>`);
    const status = document.createElement("span");
    status.className = "person-status";
    status.innerHTML = `${icon(p.muted.audio ? "micOff" : "mic", p.muted.audio ? "Microphone off" : "Microphone on")}${icon(p.muted.video ? "cameraOff" : "camera", p.muted.video ? "Camera off" : "Camera on")}`;
    status.classList.toggle("audio-off", p.muted.audio);
    status.classList.toggle("video-off", p.muted.video);
    row.append(avatar, name, status);
    if (selfIsHost && !p.self) {
      const tools = document.createElement("span");
      tools.className = "person-tools";
      const mk = (testid, iconName, label, fn, disabled) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "ghost icon-only small";
        b.dataset.testid = testid;
        b.innerHTML = icon(iconName);
        b.setAttribute("aria-label", `${label} ${p.name}`);
        b.title = label;
        b.disabled = !!disabled;
        b.onclick = fn;
        return b;
      };
      const remove = mk("host-remove", "remove", "Remove", null);
      confirmTwice(remove, `remove:${p.id}`, `Remove ${p.name}?`, () => actions.remove(p.id));
      tools.append(
        mk("host-mute-audio", "micOff", "Mute", () => actions.mute(p.id, "audio"), p.muted.audio),
        mk("host-mute-video", "cameraOff", "Stop video of", () => actions.mute(p.id, "video"), p.muted.video),
        remove);
      row.append(tools);
    }
    return row;
  }));
}

const ARMED_MS = 4000;
/** Until when each destructive action is armed, by key ("end", "remove:<participant id>"). */
const armedUntil = new Map();

/**
 * A destructive button: the first click arms it (showing `question`), a second within 4 s acts.
 * Whether it is armed is kept here by `key`, not on the element: the people list is redrawn
 * whenever someone's state changes, and the button drawn then must still be armed.
 */
function confirmTwice(button, key, question, act) {
  const idle = { html: button.innerHTML, label: button.getAttribute("aria-label") };
  const armed = () => (armedUntil.get(key) ?? 0) > Date.now();
  const show = () => {
    const on = armed();
    button.classList.toggle("armed", on);
    if (on) {
      const prompt = document.createElement("span");
      prompt.textContent = `${question} Click again`;
      button.replaceChildren(prompt);
      button.setAttribute("aria-label", `${question} Press again to confirm`);
    } else {
      button.innerHTML = idle.html;
      if (idle.label) button.setAttribute("aria-label", idle.label);
    }
  };
  const disarmLater = () => setTimeout(show, Math.max(0, (armedUntil.get(key) ?? 0) - Date.now()) + 50);
  button.onclick = () => {
    if (armed()) {
      armedUntil.delete(key);
      show();
      act();
      return;
    }
    armedUntil.set(key, Date.now() + ARMED_MS);
    show();
    disarmLater();
  };
  if (armed()) {
    show();
    disarmLater();
  }
}
