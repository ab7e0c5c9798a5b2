// Everything the app says about failures, in words a person understands, and readable room names.

/** A server error code (docs/signaling.md "Errors") or a local failure → {title, detail, retry}. */
export function describeError(code, extra = {}) {
  switch (code) {
    case "room_full":
      return { title: "This meeting is full", detail: `It already has ${extra.maxParticipants || "the most"} people the server allows. Try again when someone leaves.`, retry: true };
    case "room_locked":
      return { title: "The meeting is locked", detail: "A host locked this meeting, so nobody new can join. Ask them to unlock it, then try again.", retry: true };
    case "room_ended":
      return { title: "This meeting has ended", detail: "A host ended the meeting for everyone. You can start a new one.", retry: false };
    case "too_many_rooms":
      return { title: "The server is busy", detail: "It is already hosting as many meetings as it can. Try again in a few minutes.", retry: true };
    case "token_required":
      return { title: "You need an invitation", detail: "This server only lets in people with an access token. Ask the meeting organiser for your personal link (it ends in ?token=…).", retry: false };
    case "unauthorized":
      return { title: "Your invitation is not valid", detail: "The access token in your link has expired or is not for this meeting. Ask the organiser for a new link.", retry: false };
    case "forbidden":
      return { title: "Not allowed", detail: "Your invitation does not allow this.", retry: false };
    case "unsupported_protocol":
      return { title: "This page is out of date", detail: "The server speaks a newer version. Reload the page.", retry: true };
    case "connection_lost":
      return { title: "Connection lost", detail: "We could not reach the meeting for 30 seconds. Check your network connection, then rejoin.", retry: true };
    case "connect_failed":
      return { title: "Cannot reach the server", detail: "Check your network connection and that the meeting server is running, then try again.", retry: true };
    case "removed":
      return { title: "You were removed from the meeting", detail: extra.by ? `${extra.by} removed you from the meeting.` : "A host removed you from the meeting.", retry: false };
    case "ended":
      return { title: "The meeting has ended", detail: extra.by ? `${extra.by} ended the meeting for everyone.` : "A host ended the meeting for everyone.", retry: false };
    case "replaced":
      return { title: "You joined from somewhere else", detail: "This meeting continued on another connection, so this window stopped.", retry: true };
    case "rejected":
      return { title: "The meeting did not let you in", detail: "It may be full or locked. Try again in a moment.", retry: true };
    case "left":
      return { title: "You left the meeting", detail: "", retry: true };
    case "bad_room":
      return { title: "That is not a meeting name", detail: "Meeting names use letters, digits, '-' and '_' (up to 64).", retry: false };
    default:
      return { title: "Something went wrong", detail: extra.message || `The server answered “${code}”.`, retry: true };
  }
}

/** getUserMedia/getDisplayMedia failures → a sentence. */
export function describeMediaError(error, what = "camera and microphone") {
  if (what === "screen sharing") return describeScreenError(error);
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return `Your browser blocked the ${what}. Allow access (the icon in the address bar), then reload. You can still join and listen.`;
    case "NotFoundError":
    case "OverconstrainedError":
      return `No ${what} found. Plug one in, or join without it.`;
    case "NotReadableError":
    case "AbortError":
      return `The ${what} is in use by another application, or it stopped working. Close the other app and try again.`;
    case "InsecureContext":
      return "The browser only allows camera and microphone on secure pages (https:// or localhost). You can still join and listen.";
    default:
      return `Could not start the ${what}${error && error.message ? `: ${error.message}` : "."}`;
  }
}

function describeScreenError(error) {
  switch (error && error.name) {
    case "NotAllowedError":
      return "Screen sharing was not allowed. Press “Share screen” again and pick a screen, window or tab.";
    case "InvalidStateError":
      return "Screen sharing has to be started by pressing the “Share screen” button.";
    case "NotFoundError":
      return "This browser found nothing it can share (no screen, window or tab).";
    case "NotReadableError":
    case "AbortError":
      return "The screen could not be captured. Another app may be blocking it; try again.";
    default:
      return `Could not share your screen${error && error.message ? `: ${error.message}` : "."}`;
  }
}

const adjectives = ["bright", "calm", "clever", "cosy", "eager", "gentle", "golden", "happy", "jolly", "kind",
  "lively", "lucky", "merry", "misty", "noble", "proud", "quick", "quiet", "rapid", "silver", "sunny", "swift",
  "tidy", "brave", "witty", "zesty", "amber", "breezy", "crisp", "daring"];
const animals = ["otter", "falcon", "panda", "heron", "badger", "beaver", "lynx", "marten", "robin", "salmon",
  "tiger", "walrus", "yak", "zebra", "koala", "gecko", "puffin", "bison", "crane", "dolphin", "ferret", "ibis",
  "lemur", "moose", "orca", "owl", "pelican", "quokka", "raven", "seal"];

function pick(list) {
  const value = crypto.getRandomValues(new Uint32Array(1))[0];
  return list[value % list.length];
}

/** A readable, hard-to-collide room name such as `bright-otter-42`. */
export function newRoomName() {
  const number = 10 + (crypto.getRandomValues(new Uint32Array(1))[0] % 90);
  return `${pick(adjectives)}-${pick(animals)}-${number}`;
}

export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The room of a meeting page: /r/{room} (or ?room= on another path); "" when unreadable. */
export function roomFromPath(pathname, params) {
  const match = pathname.match(/^\/r\/([^/]+)/);
  try {
    return match ? decodeURIComponent(match[1]) : (params.get("room") || "");
  } catch {
    return ""; // a malformed %-escape: no room, which the page reports as "not a meeting name"
  }
}

/** Accepts a room name or a pasted meeting link and returns the room name, or null. */
export function parseRoomInput(text) {
  const value = text.trim();
  if (!value) return null;
  const match = value.match(/\/r\/([^/?#]+)/);
  let candidate;
  try {
    candidate = match ? decodeURIComponent(match[1]) : value.replace(/\s+/g, "-").toLowerCase();
  } catch {
    return null; // a malformed %-escape in a pasted link: not a meeting link
  }
  return ROOM_PATTERN.test(candidate) ? candidate : null;
}

/** Initials for an avatar: "Ada Lovelace" → "AL", "Grace" → "G". */
export function initials(name) {
  const parts = (name || "?").trim().split(/\s+/).filter(Boolean);
  const first = (word) => [...word][0] || "?"; // whole code points: names may start with an emoji
  return (parts.length > 1 ? first(parts[0]) + first(parts[parts.length - 1]) : first(parts[0] || "?")).toUpperCase();
}

/** A stable colour for a participant's avatar. */
export function colorFor(text) {
  let hash = 0;
  for (const char of text || "") hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 45% 42%)`;
}
