// urltoken.js: a token in the address is read once, taken out of it, and kept for a reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { takeTokenFromAddress } = await load("urltoken.js");

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)), items };
}

test("a token in the address is returned, stored, and removed from the address", () => {
  const storage = memoryStorage();
  const replaced = [];
  const token = takeTokenFromAddress("https://meet.example/r/board?name=Ada&token=abc.def.ghi&autojoin=1#x", storage,
    (address) => replaced.push(address));
  assert.equal(token, "abc.def.ghi");
  assert.deepEqual(replaced, ["/r/board?name=Ada&autojoin=1#x"]);
  assert.equal(storage.getItem("cascade-token:/r/board"), "abc.def.ghi");
});

test("a reload (no token in the address) joins with the stored one; another room does not", () => {
  const storage = memoryStorage();
  takeTokenFromAddress("https://meet.example/r/board?token=t1", storage, () => {});
  const replaced = [];
  assert.equal(takeTokenFromAddress("https://meet.example/r/board?name=Ada", storage, (a) => replaced.push(a)), "t1");
  assert.deepEqual(replaced, [], "nothing to take out of the address");
  assert.equal(takeTokenFromAddress("https://meet.example/r/other", storage, () => {}), null);
});

test("without storage (blocked or full) the token from the address still works", () => {
  const throwing = { getItem() { throw new Error("blocked"); }, setItem() { throw new Error("full"); } };
  const replaced = [];
  assert.equal(takeTokenFromAddress("https://meet.example/r/board?token=t2", throwing, (a) => replaced.push(a)), "t2");
  assert.deepEqual(replaced, ["/r/board"]);
  assert.equal(takeTokenFromAddress("https://meet.example/r/board", throwing, () => {}), null);
  assert.equal(takeTokenFromAddress("https://meet.example/r/board", null, () => {}), null);
});
