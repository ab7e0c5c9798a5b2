// The signaling socket (docs/signaling.md): one WebSocket to /rtc carrying JSON text frames.
// Requests carry an "id"; the server's reply (or error) carries it back as "re". Everything the
// server sends on its own is an event. No DOM: the socket comes from `createSocket`, so
// WebTests/signaling.test.mjs drives it with a fake one.
import { CloseCode } from "./protocol.js";

const OPEN = 1; // WebSocket.OPEN (HTML "The WebSocket interface"); a number, so Node needs no WebSocket

/** An `error` frame from the server (or a local failure such as a closed socket), as an Error. */
export class SignalingError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export class Signaling {
  constructor(url, { createSocket = (address) => new WebSocket(address) } = {}) {
    this.url = url;
    this.createSocket = createSocket;
    this.socket = null;
    this.nextId = 1;
    this.pending = new Map(); // id → {resolve, reject, timer}
    this.onevent = () => {};
    this.onclose = () => {};
  }

  /** Opens the socket; resolves once open, rejects if it cannot connect within `timeoutMs`. */
  open(timeoutMs = 8000) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const socket = this.createSocket(this.url);
      this.socket = socket;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.close();
        reject(new SignalingError("connect_timeout", "The server did not answer."));
      }, timeoutMs);
      socket.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      };
      socket.onmessage = (message) => this.receive(message.data);
      socket.onclose = (event) => {
        clearTimeout(timer);
        this.failPending(new SignalingError("disconnected", "The connection to the server closed."));
        if (!settled) {
          settled = true;
          reject(new SignalingError("connect_failed", "Could not reach the server."));
          return;
        }
        if (this.socket === socket) this.onclose(event.code, event.reason);
      };
    });
  }

  get isOpen() {
    return this.socket?.readyState === OPEN;
  }

  /** Sends a message without waiting for a reply (events such as `quality`). */
  send(message) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Sends a request and resolves with the reply carrying its id; rejects with a SignalingError. */
  request(message, timeoutMs = 15000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new SignalingError("disconnected", "Not connected to the server."));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalingError("timeout", `No answer to ${message.type}.`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /** Closes without reporting it through `onclose` (leave, removed, ended). */
  close(code = CloseCode.normal) {
    const socket = this.socket;
    this.socket = null;
    this.failPending(new SignalingError("disconnected", "Closed."));
    if (socket && socket.readyState <= OPEN) socket.close(code);
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      // The server only sends JSON: a garbled frame is its bug, worth a console line for the
      // developer; the meeting goes on.
      console.warn("cascade: ignoring a frame that is not JSON", data);
      return;
    }
    if (message === null || typeof message !== "object" || Array.isArray(message)) return; // frames are JSON objects
    if (message.re !== undefined && this.pending.has(message.re)) {
      const { resolve, reject, timer } = this.pending.get(message.re);
      this.pending.delete(message.re);
      clearTimeout(timer);
      if (message.type === "error") reject(new SignalingError(message.code, message.message));
      else resolve(message);
      return;
    }
    if (message.re !== undefined && message.type !== "error") return; // a reply that came after its timeout
    this.onevent(message);
  }

  failPending(error) {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    this.pending.clear();
  }
}

/** The socket URL for a page at `place` (a Location or URL): same host, ws or wss like the page. */
export function signalingURL(place) {
  const scheme = place.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${place.host}/rtc`;
}
