// store.js: get, update (function or patch), subscribe, and watch's redraw-on-change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { createStore, watch } = await load("store.js");

test("update with a patch assigns fields; with a function changes the state in place", () => {
  const store = createStore({ a: 1, list: [] });
  const state = store.get();
  store.update({ a: 2 });
  assert.equal(store.get().a, 2);
  const result = store.update((s) => { s.list.push("x"); return s.list.length; });
  assert.equal(result, 1, "update returns what the function returns");
  assert.deepEqual(store.get().list, ["x"]);
  assert.equal(store.get(), state, "one state object, changed in place");
});

test("listeners run after each change, in order, until unsubscribed", () => {
  const store = createStore({ n: 0 });
  const seen = [];
  const stop = store.subscribe((s) => seen.push(`first ${s.n}`));
  store.subscribe((s) => seen.push(`second ${s.n}`));
  store.update({ n: 1 });
  stop();
  store.update({ n: 2 });
  assert.deepEqual(seen, ["first 1", "second 1", "second 2"]);
});

test("an update from a listener runs the listeners again, after the current round", () => {
  const store = createStore({ n: 0, doubled: 0 });
  const seen = [];
  store.subscribe((s) => { if (s.doubled !== s.n * 2) store.update({ doubled: s.n * 2 }); });
  store.subscribe((s) => seen.push([s.n, s.doubled]));
  store.update({ n: 3 });
  assert.deepEqual(seen.at(-1), [3, 6], "the last call sees the settled state");
  assert.equal(seen.length, 2, "one round for the update, one for the listener's");
});

test("a failing listener does not stop the others, and its error reaches the caller", () => {
  const store = createStore({ n: 0 });
  let ran = false;
  store.subscribe(() => { throw new Error("broken renderer"); });
  store.subscribe(() => { ran = true; });
  assert.throws(() => store.update({ n: 1 }), /broken renderer/);
  assert.ok(ran);
  assert.equal(store.get().n, 1, "the change itself happened");
});

test("watch renders now, then only when the selected view changes", () => {
  const store = createStore({ micOn: true, chat: [] });
  const views = [];
  const stop = watch(store, (s) => ({ mic: s.micOn }), (view) => views.push(view));
  store.update((s) => { s.chat.push("hello"); });
  store.update({ micOn: false });
  store.update({ micOn: false });
  stop();
  store.update({ micOn: true });
  assert.deepEqual(views, [{ mic: true }, { mic: false }]);
});
