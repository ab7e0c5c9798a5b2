// layout.js: the grid's arithmetic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./web-app.mjs";

const { layoutName, fitTiles, orderTiles, featuredTile, GAP } = await load("layout.js");

test("layout names by count", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9, 10].map(layoutName), ["1", "1", "2", "4", "4", "9", "9", "many"]);
});

test("one tile fills a wide stage at 16:9", () => {
  assert.deepEqual(fitTiles(1280, 720, 1), { cols: 1, w: 1280, h: 720, scrolling: false });
});

test("four tiles on a wide stage: two by two", () => {
  const fit = fitTiles(1280, 720, 4);
  assert.equal(fit.cols, 2);
  assert.ok(fit.w * 2 + GAP <= 1280 && fit.h * 2 + GAP <= 720, "they fit");
  assert.equal(fit.scrolling, false);
});

test("an upright phone may get square or portrait tiles", () => {
  const fit = fitTiles(390, 800, 2);
  assert.equal(fit.cols, 1);
  assert.ok(fit.h >= fit.w * 0.99, `tall enough: ${fit.w}x${fit.h}`);
});

test("many people on a small stage scroll at a readable size", () => {
  const fit = fitTiles(800, 450, 30);
  assert.equal(fit.scrolling, true);
  assert.ok(fit.w >= 200);
  assert.equal(fit.h, Math.round(fit.w * 9 / 16));
  assert.equal(fitTiles(500, 800, 30).h, Math.round(fitTiles(500, 800, 30).w * 3 / 4), "narrow: 4:3");
});

test("nothing to place", () => {
  assert.equal(fitTiles(0, 720, 3), null);
  assert.equal(fitTiles(1280, 720, 0), null);
});

test("order: our camera first, the rest as added; a remote screen share is featured first", () => {
  const mine = { local: true, source: "camera" };
  const myScreen = { local: true, source: "screen" };
  const ada = { local: false, source: "camera" };
  const adaScreen = { local: false, source: "screen" };
  assert.deepEqual(orderTiles([ada, adaScreen, mine]), [mine, ada, adaScreen]);
  assert.equal(featuredTile([mine, myScreen, ada, adaScreen]), adaScreen);
  assert.equal(featuredTile([mine, myScreen, ada]), myScreen);
  assert.equal(featuredTile([mine, ada]), null);
});
