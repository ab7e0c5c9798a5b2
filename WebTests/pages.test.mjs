// The pages run under the server's Content-Security-Policy (script-src 'self'; style-src 'self';
// no 'unsafe-inline', no 'unsafe-eval'): nothing inline in the HTML, no eval in the modules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { modules, readWeb } from "./web-app.mjs";

for (const page of ["room.html", "index.html"]) {
  test(`${page}: no inline script, style or event handler`, () => {
    const html = readWeb(page);
    for (const tag of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
      assert.match(tag[0], /\ssrc="\/app\/[\w-]+\.js"/, "scripts come from /app/");
      assert.equal(tag[1].trim(), "", "and have no inline code");
    }
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /\sstyle="/i);
    assert.doesNotMatch(html, /\son[a-z]+="/i);
    assert.doesNotMatch(html, /javascript:/i);
  });
}

test("modules neither eval nor write inline styles or handlers into markup", () => {
  for (const name of modules()) {
    const source = readWeb(name);
    assert.doesNotMatch(source, /\beval\(|new Function\(|setTimeout\(\s*["'`]/, `${name}: no code from strings`);
    assert.doesNotMatch(source, /style=\\?["']/, `${name}: no style attributes in markup (set element.style instead)`);
    assert.doesNotMatch(source, /\son[a-z]+=\\?["']/, `${name}: no inline handlers in markup`);
  }
});
