// Where the web app's files are, for the tests in this folder (node --test WebTests/).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const REPO = fileURLToPath(new URL("..", import.meta.url));
export const WEB = join(REPO, "Sources", "Control", "Web");

/** The app's JavaScript modules, by file name. */
export const modules = () => readdirSync(WEB).filter((name) => name.endsWith(".js")).sort();

export const read = (...path) => readFileSync(join(REPO, ...path), "utf8");

export const readWeb = (name) => readFileSync(join(WEB, name), "utf8");

/** Imports one of the app's modules (they use relative imports, which Node resolves as-is). */
export const load = (name) => import(new URL(`../Sources/Control/Web/${name}`, import.meta.url).href);

/** The pages' entry points: the only modules allowed to touch the page when loaded. */
export const ENTRY_POINTS = ["meeting.js", "home.js"];
