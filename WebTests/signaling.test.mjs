// signaling.js against a fake WebSocket: opening, requests and replies, events, closes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { Signaling, SignalingError, signalingURL } = await load("signaling.js");
const { CloseCode } = await load("protocol.js");

/** Just enough of a WebSocket: records what is sent; the test plays the server. */
class FakeSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0; // CONNECTING
    this.sent = [];
    this.closedWith = null;
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code) { this.closedWith = code; this.readyState = 3; }
  // The server's side:
  accept() { this.readyState = 1; this.onopen?.(); }
  deliver(message) { this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) }); }
  drop(code) { this.readyState = 3; this.onclose?.({ code, reason: "" }); }
}

async function connected() {
  let socket;
  const sig = new Signaling("ws://meet.test/rtc", { createSocket: (url) => (socket = new FakeSocket(url)) });
  const opening = sig.open(1000);
  socket.accept();
  await opening;
  return { sig, socket };
}

test("opens the socket it was given the URL for", async () => {
  const { sig, socket } = await connected();
  assert.equal(socket.url, "ws://meet.test/rtc");
  assert.ok(sig.isOpen);
});

test("a socket that closes before opening fails to connect", async () => {
  let socket;
  const sig = new Signaling("ws://x/rtc", { createSocket: () => (socket = new FakeSocket()) });
  const opening = sig.open(1000);
  socket.drop(1006);
  await assert.rejects(opening, (e) => e instanceof SignalingError && e.code === "connect_failed");
});

test("a socket that never opens times out", async () => {
  let socket;
  const sig = new Signaling("ws://x/rtc", { createSocket: () => (socket = new FakeSocket()) });
  await assert.rejects(sig.open(10), { code: "connect_timeout" });
  assert.notEqual(socket.closedWith, null, "and is closed");
});

test("requests carry an id; the reply with that id as `re` resolves them", async () => {
  const { sig, socket } = await connected();
  const first = sig.request({ type: "ping" });
  const second = sig.request({ type: "chat", text: "hi" });
  assert.deepEqual(socket.sent, [{ type: "ping", id: 1 }, { type: "chat", text: "hi", id: 2 }]);
  socket.deliver({ type: "chat.sent", re: 2, messageId: "m1" });
  socket.deliver({ type: "pong", re: 1 });
  assert.deepEqual(await second, { type: "chat.sent", re: 2, messageId: "m1" });
  assert.equal((await first).type, "pong");
});

test("an error reply rejects with its code and message", async () => {
  const { sig, socket } = await connected();
  const request = sig.request({ type: "host.end" });
  socket.deliver({ type: "error", re: 1, code: "forbidden", message: "not a host" });
  await assert.rejects(request, (e) => e instanceof SignalingError && e.code === "forbidden" && e.message === "not a host");
});

test("events (no `re`) go to onevent; late replies and garbage do not", async () => {
  const { sig, socket } = await connected();
  const events = [];
  sig.onevent = (m) => events.push(m);
  await assert.rejects(sig.request({ type: "ping" }, 5), { code: "timeout" });
  socket.deliver({ type: "pong", re: 1 }); // after its timeout
  socket.deliver({ type: "error", re: 99, code: "bad_message" }); // an error for no pending request
  const warn = console.warn;
  console.warn = () => {};
  try { socket.deliver("not json"); } finally { console.warn = warn; }
  socket.deliver("[1]");
  socket.deliver({ type: "participant.joined", participant: { id: "ada" } });
  assert.deepEqual(events.map((m) => m.type), ["error", "participant.joined"]);
});

test("a close from the server fails what is pending and reports its code", async () => {
  const { sig, socket } = await connected();
  const closes = [];
  sig.onclose = (code) => closes.push(code);
  const request = sig.request({ type: "join" });
  socket.drop(CloseCode.roomEnded);
  await assert.rejects(request, { code: "disconnected" });
  assert.deepEqual(closes, [CloseCode.roomEnded]);
  assert.ok(!sig.isOpen);
  await assert.rejects(sig.request({ type: "ping" }), { code: "disconnected" });
  assert.equal(sig.send({ type: "quality" }), false);
});

test("close() is ours: no onclose, pending requests fail, the code is passed on", async () => {
  const { sig, socket } = await connected();
  let reported = false;
  sig.onclose = () => { reported = true; };
  const request = sig.request({ type: "ping" });
  sig.close(CloseCode.unresponsive);
  await assert.rejects(request, { code: "disconnected" });
  assert.equal(socket.closedWith, CloseCode.unresponsive);
  socket.drop(CloseCode.unresponsive);
  assert.equal(reported, false);
  const plain = await connected();
  plain.sig.close();
  assert.equal(plain.socket.closedWith, CloseCode.normal);
});

test("the socket URL follows the page's scheme and host", () => {
  assert.equal(signalingURL(new URL("https://meet.example.com/r/x")), "wss://meet.example.com/rtc");
  assert.equal(signalingURL(new URL("http://127.0.0.1:8080/r/x")), "ws://127.0.0.1:8080/rtc");
});
