// The constants of docs/signaling.md that the app acts on: the protocol version, the resume
// window and the WebSocket close codes. WebTests/close-codes.test.mjs checks them against the
// docs' "Close codes" table and Sources/Control/Protocol/SignalingError.swift, so they cannot drift.

export const PROTOCOL_VERSION = 1;

/** How long the server keeps a dropped participant's place (docs/signaling.md "Reconnection"). */
export const RESUME_WINDOW_MS = 30000;

/** WebSocket close codes (RFC 6455 §7.4: 1000–2999 are the protocol's, 4000–4999 the application's). */
export const CloseCode = Object.freeze({
  normal: 1000, // after leave, removed, room.ended
  policyViolation: 1008, // too many rate_limited errors
  unresponsive: 4000, // sent by the app itself: the socket stopped answering pings
  unsupportedProtocol: 4400,
  unauthorized: 4401,
  refused: 4403, // room_full, too_many_rooms, room_locked
  replaced: 4409, // our place was resumed on a newer connection
  roomEnded: 4410,
  mediaUnavailable: 4503,
});

/** The error frame each error-closing code follows (docs/signaling.md "Errors", column "socket"). */
export const CLOSE_AFTER_ERROR = Object.freeze({
  [CloseCode.unsupportedProtocol]: ["unsupported_protocol"],
  [CloseCode.unauthorized]: ["unauthorized"],
  [CloseCode.refused]: ["room_full", "too_many_rooms", "room_locked"],
  [CloseCode.roomEnded]: ["room_ended"],
  [CloseCode.mediaUnavailable]: ["media_unavailable"],
});

/**
 * A `join` that got no reply but a close: what the close code tells (words.js describes it), or
 * null. 4403 stands for three errors, hence the general "rejected".
 */
export function joinFailureForClose(code) {
  switch (code) {
    case CloseCode.unauthorized: return "unauthorized";
    case CloseCode.roomEnded: return "room_ended";
    case CloseCode.refused: return "rejected";
    default: return null;
  }
}

/** A socket closed during the meeting: the error that ends it, or null (reconnect). */
export function endingForClose(code) {
  switch (code) {
    case CloseCode.roomEnded: return "room_ended";
    case CloseCode.unauthorized: return "unauthorized";
    case CloseCode.replaced: return "replaced";
    default: return null;
  }
}

/** Errors after which trying again cannot help: the meeting ends with that error's words. */
export const FATAL_CODES = new Set(["room_ended", "room_locked", "room_full", "too_many_rooms", "unsupported_protocol", "token_required", "removed", "rejected", "replaced"]);
