// words.js: what the app says about failures, and room names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { describeError, describeMediaError, newRoomName, parseRoomInput, roomFromPath, initials, colorFor, ROOM_PATTERN } = await load("words.js");

test("every error the app can end with has a title and a sentence", () => {
  const codes = ["room_full", "room_locked", "room_ended", "too_many_rooms", "token_required", "unauthorized", "forbidden",
    "unsupported_protocol", "connection_lost", "connect_failed", "removed", "ended", "replaced", "rejected", "bad_room"];
  for (const code of codes) {
    const { title, detail, retry } = describeError(code);
    assert.ok(title && !title.includes("_"), `${code}: a title in words`);
    assert.ok(detail.length > 10, `${code}: a sentence`);
    assert.equal(typeof retry, "boolean");
  }
  assert.equal(describeError("left").title, "You left the meeting");
});

test("errors name who did it and the room's limit when known", () => {
  assert.match(describeError("removed", { by: "Ada" }).detail, /^Ada removed you/);
  assert.match(describeError("ended", { by: "Ada" }).detail, /^Ada ended the meeting/);
  assert.match(describeError("room_full", { maxParticipants: 8 }).detail, /8 people/);
});

test("an unknown code still says something, with the server's message when there is one", () => {
  assert.equal(describeError("internal", { message: "media node: boom" }).detail, "media node: boom");
  assert.match(describeError("dance").detail, /dance/);
  assert.equal(describeError("dance").title, "Something went wrong");
});

test("device errors become a sentence", () => {
  assert.match(describeMediaError({ name: "NotAllowedError" }), /blocked the camera and microphone/);
  assert.match(describeMediaError({ name: "NotFoundError" }, "camera"), /No camera found/);
  assert.match(describeMediaError({ name: "NotAllowedError" }, "screen sharing"), /Screen sharing was not allowed/);
  assert.match(describeMediaError(null, "camera"), /Could not start the camera\./);
});

test("generated room names are readable and valid", () => {
  for (let i = 0; i < 50; i++) assert.match(newRoomName(), /^[a-z]+-[a-z]+-[1-9][0-9]$/);
});

test("a room name or a pasted link gives the room", () => {
  assert.equal(parseRoomInput("  standup "), "standup");
  assert.equal(parseRoomInput("Team Sync"), "team-sync");
  assert.equal(parseRoomInput("https://meet.example.com/r/bright-otter-42?token=x"), "bright-otter-42");
  assert.equal(parseRoomInput("https://meet.example.com/r/%E0%A4%A"), null, "a broken escape is no link");
  assert.equal(parseRoomInput("no/such:room"), null);
  assert.equal(parseRoomInput(""), null);
  assert.equal(parseRoomInput("x".repeat(65)), null);
});

test("the meeting page finds its room in the path", () => {
  assert.equal(roomFromPath("/r/standup", new URLSearchParams("name=Ada")), "standup");
  assert.equal(roomFromPath("/r/a%20b", new URLSearchParams()), "a b");
  assert.equal(roomFromPath("/r/%E0%A4%A", new URLSearchParams()), "");
  assert.equal(roomFromPath("/app/room.html", new URLSearchParams("room=daily")), "daily");
  assert.ok(!ROOM_PATTERN.test(roomFromPath("/r/a%20b", new URLSearchParams())), "which the page then refuses");
});

test("avatars: initials by whole code points, a stable colour", () => {
  assert.equal(initials("Ada Lovelace"), "AL");
  assert.equal(initials("grace"), "G");
  assert.equal(initials("😀 Smile"), "😀S");
  assert.equal(initials(""), "?");
  assert.equal(colorFor("Ada"), colorFor("Ada"));
  assert.match(colorFor("Ada"), /^hsl\(\d+ 45% 42%\)$/);
});
