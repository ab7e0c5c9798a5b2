// What a person (or a host) asks of the meeting besides media: chat, host controls, the invite
// link. Each request rejects with a SignalingError; the callers say what went wrong.
import { store } from "./state.js";
import { SignalingError } from "./signaling.js";
import { toast } from "./panels.js";

function requireSignaling() {
  const { signaling } = store.get();
  if (!signaling) throw new SignalingError("disconnected", "You are not connected right now.");
  return signaling;
}

/** Sends a chat message; resolves with its messageId (null for an empty text). */
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

/** Copies the meeting's link, or shows it when the browser does not let us copy. */
export async function copyInvite() {
  const { room, tokenFromURL } = store.get();
  const link = `${location.origin}/r/${encodeURIComponent(room)}`;
  const extra = tokenFromURL ? " Each person needs their own access token on this server." : "";
  try {
    await navigator.clipboard.writeText(link);
    toast(`Invite link copied: ${link}.${extra}`);
  } catch {
    // No clipboard permission (or an insecure page): the old way, or the link in the toast.
    const field = document.createElement("textarea");
    field.value = link;
    document.body.append(field);
    field.select();
    const ok = document.execCommand && document.execCommand("copy");
    field.remove();
    toast(ok ? `Invite link copied: ${link}.${extra}` : `Share this link: ${link}${extra}`, "info", 10000);
  }
}
