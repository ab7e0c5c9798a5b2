// protocol.js's close codes against docs/signaling.md ("Close codes", "Errors") and the server's
// Sources/Control/Protocol/SignalingError.swift: same numbers, same names, same errors before them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { read, load } from "./web-app.mjs";

const { CloseCode, CLOSE_AFTER_ERROR, joinFailureForClose, endingForClose } = await load("protocol.js");
const docs = read("docs", "signaling.md");
const swift = read("Sources", "Control", "Protocol", "SignalingError.swift");

const camelCase = (words) => words.trim().split(/\s+/).map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join("");
const backticked = (text) => [...text.matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]);

/** docs "### Close codes": number → {name (camelCase), when}. */
function documentedCloseCodes() {
  const section = docs.split(/^### Close codes$/m)[1]?.split(/^#{2,3} /m)[0];
  assert.ok(section, 'docs/signaling.md has a "### Close codes" section');
  const codes = new Map();
  for (const [, code, name, when] of section.matchAll(/^\| (\d{4}) \| ([a-z ]+) \| (.+) \|$/gm)) codes.set(Number(code), { name: camelCase(name), when });
  assert.ok(codes.size >= 5, "the table has rows");
  return codes;
}

/** docs "## Errors" table: close code → the errors it follows ("closed (4403)"). */
function documentedErrorCloses() {
  const closes = new Map();
  for (const [, error, code] of docs.matchAll(/^\| `([a-z_]+)` \| .* \| closed \((\d{4})\) \|$/gm)) {
    closes.set(Number(code), [...(closes.get(Number(code)) || []), error]);
  }
  return closes;
}

/** The Swift side: SignalingErrorCode.closeCode and SignalingCloseCode's constants. */
function serverCloseCodes() {
  const raw = new Map(); // Swift case name → wire code
  for (const [, name, value] of swift.matchAll(/^\s*case `?(\w+)`?(?: = "([a-z_]+)")?$/gm)) raw.set(name, value || name);
  const switchBody = swift.split("public var closeCode: UInt16?")[1].split(/^\s*default:/m)[0];
  const afterError = new Map();
  for (const [, cases, code] of switchBody.matchAll(/case ((?:\.\w+(?:, )?)+): (\d{4})/g)) {
    afterError.set(Number(code), cases.split(", ").map((c) => raw.get(c.slice(1))));
  }
  const constants = new Map();
  const enumBody = swift.split("public enum SignalingCloseCode")[1].split(/^}/m)[0];
  for (const [, name, code] of enumBody.matchAll(/static let (\w+): UInt16 = (\d+)/g)) constants.set(name, Number(code));
  assert.ok(afterError.size >= 4 && constants.size >= 3, "SignalingError.swift parsed");
  return { afterError, constants };
}

test("every close code the app names is in docs/signaling.md with that number and name", () => {
  const documented = documentedCloseCodes();
  for (const [name, code] of Object.entries(CloseCode)) {
    assert.ok(documented.has(code), `${name} = ${code} is not in the docs' close-code table`);
    assert.equal(documented.get(code).name, name, `close code ${code}: docs call it "${documented.get(code).name}"`);
  }
});

test("the errors before each closing code agree: protocol.js, the docs' two tables, the server", () => {
  const documented = documentedCloseCodes();
  const errorTable = documentedErrorCloses();
  const { afterError } = serverCloseCodes();
  const sorted = (list) => [...(list || [])].sort();
  const codes = new Set([...Object.keys(CLOSE_AFTER_ERROR).map(Number), ...errorTable.keys(), ...afterError.keys()]);
  for (const code of codes) {
    const app = sorted(CLOSE_AFTER_ERROR[code]);
    assert.deepEqual(sorted(errorTable.get(code)), app, `${code}: the docs' Errors table`);
    assert.deepEqual(sorted(backticked(documented.get(code)?.when || "")), app, `${code}: the docs' close-code table`);
    assert.deepEqual(sorted(afterError.get(code)), app, `${code}: SignalingErrorCode.closeCode`);
  }
});

test("the server's other close codes have the app's names and numbers", () => {
  const { constants } = serverCloseCodes();
  const documented = documentedCloseCodes();
  for (const [name, code] of constants) {
    assert.equal(CloseCode[name], code, `SignalingCloseCode.${name} = ${code}`);
    assert.equal(documented.get(code)?.name, name, `docs: ${code}`);
  }
});

test("what the app makes of a close", () => {
  assert.equal(joinFailureForClose(CloseCode.unauthorized), "unauthorized");
  assert.equal(joinFailureForClose(CloseCode.refused), "rejected");
  assert.equal(joinFailureForClose(CloseCode.roomEnded), "room_ended");
  assert.equal(joinFailureForClose(1006), null);
  assert.equal(endingForClose(CloseCode.replaced), "replaced");
  assert.equal(endingForClose(CloseCode.roomEnded), "room_ended");
  assert.equal(endingForClose(CloseCode.unauthorized), "unauthorized");
  assert.equal(endingForClose(CloseCode.normal), null, "a plain close during the meeting: reconnect");
  assert.equal(endingForClose(CloseCode.policyViolation), null);
});
