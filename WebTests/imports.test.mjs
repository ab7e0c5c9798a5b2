// The module graph: every import resolves, there is no cycle, only the entry points touch the
// page when loaded, and the test hooks are loaded by nothing but meeting.js's ?testing=1 switch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { WEB, modules, readWeb, load, ENTRY_POINTS } from "./web-app.mjs";

/** The specifiers a module imports: static (`import … from "x"`, `import "x"`) and dynamic (`import("x")`). */
export function importsOf(source) {
  const found = [];
  const patterns = [
    /^\s*import\s+(?:[\s\S]*?\s+from\s+)?["']([^"']+)["']/gm,
    /^\s*export\s+[\s\S]*?\s+from\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push({ specifier: match[1], dynamic: match[0].includes("import(") });
  return found;
}

/** The first cycle in `graph` (name → [name]) as a path ["a", "b", "a"], or null. */
export function findCycle(graph) {
  const state = new Map(); // name → "visiting" | "done"
  const path = [];
  const visit = (name) => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    path.push(name);
    for (const next of graph.get(name) || []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return null;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return null;
}

function graphOfApp() {
  const graph = new Map();
  for (const name of modules()) {
    graph.set(name, importsOf(readWeb(name)).map(({ specifier }) => {
      assert.match(specifier, /^\.\/[\w-]+\.js$/, `${name} imports ${specifier}: use a relative path to a module beside it`);
      return specifier.slice(2);
    }));
  }
  return graph;
}

test("every import names a module of the app", () => {
  for (const [name, imports] of graphOfApp()) {
    for (const target of imports) assert.ok(existsSync(join(WEB, target)), `${name} imports ${target}, which does not exist`);
  }
});

test("the modules form no import cycle", () => {
  const cycle = findCycle(graphOfApp());
  assert.equal(cycle, null, cycle && `import cycle: ${cycle.join(" → ")}`);
});

test("the cycle finder finds cycles", () => {
  assert.deepEqual(findCycle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), ["a", "b", "c", "a"]);
  assert.deepEqual(findCycle(new Map([["a", ["a"]]])), ["a", "a"]);
  assert.equal(findCycle(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]])), null);
  assert.deepEqual(importsOf('import { x } from "./x.js";\nimport "./y.js";\nconst z = import("./z.js");\n').map((i) => i.specifier), ["./x.js", "./y.js", "./z.js"]);
});

test("modules other than the entry points load without a page (no DOM work at import)", async () => {
  assert.equal(typeof globalThis.document, "undefined");
  assert.equal(typeof globalThis.window, "undefined");
  for (const name of modules().filter((n) => !ENTRY_POINTS.includes(n))) {
    await assert.doesNotReject(load(name), `${name} must only export; loading it touched something only a page has`);
  }
});

test("the test hooks are loaded only by meeting.js, dynamically", () => {
  for (const [name, imports] of graphOfApp()) {
    if (!imports.includes("testing.js")) continue;
    assert.equal(name, "meeting.js", `${name} imports testing.js`);
    const dynamic = importsOf(readWeb(name)).filter((i) => i.specifier === "./testing.js");
    assert.ok(dynamic.every((i) => i.dynamic), "meeting.js loads testing.js only on demand (import())");
  }
  for (const page of ["room.html", "index.html"]) assert.doesNotMatch(readWeb(page), /testing\.js/, `${page} loads testing.js`);
  assert.doesNotMatch(readWeb("meeting.js").replace(/\/\*[\s\S]*?\*\//, ""), /window\.cascade\s*=/, "window.cascade is set in testing.js");
});
