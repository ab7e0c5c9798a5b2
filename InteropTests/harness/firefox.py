"""Headless Firefox (Debian's firefox-esr) driven over WebDriver BiDi, without geckodriver.

Firefox speaks WebDriver BiDi itself: started with `--remote-debugging-port 0` it prints
"WebDriver BiDi listening on ws://127.0.0.1:PORT" and accepts a session at ws://…/session
(W3C WebDriver BiDi: session.new, browsingContext.*, script.*). FirefoxDriver wraps that in the
few selenium WebDriver methods harness.meeting.MeetingPage uses (get, execute_script,
execute_async_script, find_elements, save_screenshot, get_log, quit), so a MeetingPage drives
Firefox unchanged; set_viewport() is extra (browsingContext.setViewport).

Prefs (profile user.js): fake camera and microphone without a prompt, autoplay allowed, host
candidates as plain addresses (not mDNS names), and no first-run pages, telemetry, updates or
network probes. Firefox gathers no ICE candidate in a namespace with only `lo`: see
routable_address(). Every wait has a timeout; errors carry the tail of Firefox's output.
"""

from __future__ import annotations

import base64
import inspect
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

FIREFOX = Path("/usr/bin/firefox-esr")

PREFS: dict[str, Any] = {
    # Media: fake devices, no permission prompt, playback without a gesture.
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    # Host candidates as addresses the server can use, not mDNS names.
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.peerconnection.ice.default_address_only": False,
    "media.peerconnection.ice.proxy_only_if_behind_proxy": False,
    # Quiet: no first-run or default-browser pages, no telemetry, updates or probes.
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.aboutwelcome.enabled": False,
    "startup.homepage_welcome_url": "about:blank",
    "startup.homepage_welcome_url.additional": "",
    "browser.tabs.warnOnClose": False,
    "browser.sessionstore.resume_from_crash": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "browser.search.update": False,
    "browser.newtabpage.enabled": False,
    "browser.ping-centre.telemetry": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "app.update.auto": False,
    "app.update.enabled": False,
    "app.update.checkInstallTime": False,
    "app.normandy.enabled": False,
    "app.shield.optoutstudies.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "services.settings.server": "",
    "messaging-system.rsexperimentloader.enabled": False,
    "media.gmp-manager.updateEnabled": False,
    "dom.push.connection.enabled": False,
    "identity.fxaccounts.enabled": False,
    "browser.topsites.contile.enabled": False,
    "browser.newtabpage.activity-stream.feeds.system.topstories": False,
    "extensions.systemAddon.update.enabled": False,
    "browser.region.network.url": "",
    "geo.provider.network.url": "",
    "dom.disable_open_during_load": False,
    "toolkit.startup.max_resumed_crashes": -1,
}

DESKTOP = (1280, 800)
PHONE = (390, 844)


class FirefoxError(Exception):
    pass


class JavascriptError(FirefoxError):
    pass


def installed() -> bool:
    return FIREFOX.exists()


def _user_js(prefs: dict[str, Any]) -> str:
    return "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())


class FirefoxElement:
    """A DOM node held by BiDi sharedId; the selenium WebElement methods MeetingPage uses."""

    def __init__(self, driver: "FirefoxDriver", shared_id: str):
        self.driver = driver
        self.shared_id = shared_id

    def find_elements(self, by: str, selector: str) -> list["FirefoxElement"]:
        return self.driver.find_elements(by, selector, within=self)

    def is_displayed(self) -> bool:
        return bool(self.driver.execute_script(
            "const e = arguments[0]; if (!e.isConnected) return false;"
            "const s = getComputedStyle(e); const r = e.getBoundingClientRect();"
            "return s.visibility !== 'hidden' && s.display !== 'none' && (r.width > 0 || r.height > 0);", self))

    def click(self) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", self)

    def send_keys(self, text: str) -> None:
        self.driver.execute_script(
            "const e = arguments[0]; e.focus(); e.value += arguments[1];"
            "e.dispatchEvent(new InputEvent('input', {bubbles: true, data: arguments[1]}));", self, text)

    def get_attribute(self, name: str) -> str | None:
        return self.driver.execute_script(
            "const e = arguments[0], n = arguments[1];"
            "if (n in e && typeof e[n] !== 'function' && !e.hasAttribute(n)) return e[n] == null ? null : String(e[n]);"
            "return e.getAttribute(n);", self, name)


# Runs a selenium-style script body (`arguments`, `return`) with JSON arguments, elements by
# sharedId; returns JSON text (undefined → null), or a marked list of nodes.
# Exceptions come back as {__scriptError: stack} (Firefox 153 reports a thrown Error from an
# awaited function as "unknown error: Missing stack, unable to build exceptionDetails").
_WRAPPER = """async function(spec, ...nodes) {
  const args = JSON.parse(spec).map(a => (a && typeof a === 'object' && '__node' in a) ? nodes[a.__node] : a);
  let value;
  try { value = await (%s).apply(null, args); }
  catch (e) { return JSON.stringify({__scriptError: String((e && e.stack) ? `${e}\\n${e.stack}` : e)}); }
  if (value instanceof Element) return value;
  if (Array.isArray(value) && value.length && value.every(v => v instanceof Element)) return value;
  return JSON.stringify(value === undefined ? null : value);
}"""
_SYNC_BODY = "function() { %s\n}"
_ASYNC_BODY = ("function(...args) { return new Promise((resolve) => {"
               " (function() { %s\n}).apply(null, [...args, resolve]); }); }")


class FirefoxDriver:
    """One headless Firefox and its BiDi session (one top-level browsing context)."""

    def __init__(self, log_path: Path, preload: str | None = None, viewport: tuple[int, int] = DESKTOP,
                 startup_timeout: float = 60, extra_prefs: dict[str, Any] | None = None):
        from websockets.sync.client import connect

        self.log_path = log_path
        self.script_timeout = 30.0
        self.console_entries: list[dict] = []
        self._ids = itertools.count(1)
        self._ws = None
        self._process: subprocess.Popen | None = None
        self._pump: threading.Thread | None = None
        self._listening = threading.Event()
        self._bidi_url = ""
        self.profile = Path(tempfile.mkdtemp(prefix="cascade-firefox-"))
        try:
            (self.profile / "user.js").write_text(_user_js({**PREFS, **(extra_prefs or {})}))
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(log_path, "wb")
            env = dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1", MOZ_HEADLESS="1",
                       MOZ_DISABLE_AUTO_SAFE_MODE="1", HOME=str(self.profile))
            self._process = subprocess.Popen(
                [str(FIREFOX), "--headless", "--no-remote", "--remote-debugging-port", "0",
                 "--profile", str(self.profile), "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=env, start_new_session=True)
            url = self._wait_for_listening(startup_timeout)
            # Entered like `with connect(...)` (websockets >= 17.1 warns otherwise); closed in quit().
            options = {"proxy": None} if "proxy" in inspect.signature(connect).parameters else {}  # no env proxy
            self._ws = connect(f"{url}/session", max_size=64 * 1024 * 1024, open_timeout=startup_timeout,
                               ping_interval=None, **options).__enter__()
            self.command("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}},
                         timeout=startup_timeout)
            self.command("session.subscribe", {"events": ["log.entryAdded"]})
            tree = self.command("browsingContext.getTree", {"maxDepth": 0})
            contexts = tree["contexts"]
            self.context = contexts[0]["context"] if contexts else \
                self.command("browsingContext.create", {"type": "tab"})["context"]
            if preload:
                self.command("script.addPreloadScript", {"functionDeclaration": f"() => {{ {preload} }}"})
            self.set_viewport(*viewport)
        except BaseException:
            self.quit()
            raise

    # --- process and transport ---

    def _pump_output(self) -> None:
        """Copies Firefox's output to the log file and notes the BiDi URL (a thread; ends when
        Firefox's output does)."""
        assert self._process and self._process.stdout
        try:
            for line in self._process.stdout:
                self._log.write(line)
                self._log.flush()
                match = re.search(rb"WebDriver BiDi listening on (ws://\S+)", line)
                if match and not self._listening.is_set():
                    self._bidi_url = match.group(1).decode()
                    self._listening.set()
        except (OSError, ValueError):  # the log was closed by quit()
            pass

    def _wait_for_listening(self, timeout: float) -> str:
        assert self._process
        self._pump = threading.Thread(target=self._pump_output, daemon=True)
        self._pump.start()
        deadline = time.monotonic() + timeout
        while not self._listening.wait(0.1):
            if self._process.poll() is not None or time.monotonic() > deadline:
                why = "exited" if self._process.poll() is not None else f"did not listen within {timeout:.0f}s"
                raise FirefoxError(f"firefox {why}; output tail:\n{self.log_tail()}")
        return self._bidi_url

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def command(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        """Sends one BiDi command and waits (at most `timeout`) for its response; events that
        arrive meanwhile are handled (console entries kept), stale responses skipped."""
        if self._ws is None:
            raise FirefoxError("no BiDi connection")
        ident = next(self._ids)
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FirefoxError(f"{method}: no response within {timeout:.0f}s"
                                   f"{'' if self.alive() else ' (firefox exited)'}; output tail:\n{self.log_tail(10)}")
            try:
                message = json.loads(self._ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            except Exception as error:  # noqa: BLE001 - connection closed: say why
                raise FirefoxError(f"{method}: BiDi connection lost ({error}); output tail:\n{self.log_tail(10)}")
            if message.get("type") == "event":
                self._event(message)
            elif message.get("id") == ident:
                if message.get("type") == "error":
                    raise FirefoxError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message.get("result", {})

    def _event(self, message: dict) -> None:
        if message.get("method") == "log.entryAdded":
            entry = message.get("params", {})
            self.console_entries.append({"level": str(entry.get("level", "info")).upper(),
                                         "message": str(entry.get("text"))})
            del self.console_entries[:-2000]

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # --- selenium-like API ---

    def get(self, url: str, timeout: float = 60) -> None:
        self.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"},
                     timeout=timeout)

    def set_script_timeout(self, seconds: float) -> None:
        self.script_timeout = seconds

    def set_viewport(self, width: int, height: int) -> None:
        self.command("browsingContext.setViewport",
                     {"context": self.context, "viewport": {"width": width, "height": height}})

    def _call(self, function: str, args: tuple, timeout: float | None = None) -> dict:
        nodes, plain = [], []
        for arg in args:
            if isinstance(arg, FirefoxElement):
                plain.append({"__node": len(nodes)})
                nodes.append({"sharedId": arg.shared_id})
            else:
                plain.append(arg)
        timeout = self.script_timeout if timeout is None else timeout
        result = self.command("script.callFunction", {
            "functionDeclaration": _WRAPPER % function, "awaitPromise": True,
            "target": {"context": self.context},
            "arguments": [{"type": "string", "value": json.dumps(plain)}, *nodes],
            "serializationOptions": {"maxDomDepth": 0, "maxObjectDepth": 1},
        }, timeout=timeout + 5)
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise JavascriptError(f"javascript error: {details.get('text')}")
        return result["result"]

    def _value(self, remote: dict) -> Any:
        if remote.get("type") == "string":
            value = json.loads(remote["value"])
            if isinstance(value, dict) and "__scriptError" in value:
                raise JavascriptError(f"javascript error: {value['__scriptError']}")
            return value
        if remote.get("type") == "node":
            return FirefoxElement(self, remote["sharedId"])
        if remote.get("type") == "array":
            return [FirefoxElement(self, item["sharedId"]) for item in remote.get("value", [])]
        raise FirefoxError(f"unexpected script result {remote}")

    def execute_script(self, script: str, *args) -> Any:
        return self._value(self._call(_SYNC_BODY % script, args))

    def execute_async_script(self, script: str, *args) -> Any:
        """The script's last argument is a callback taking the result (selenium's contract);
        raises FirefoxError if it is not called within the script timeout."""
        timeout = self.script_timeout
        expired = f"new Error('script timeout: the callback was not called within {timeout:g} s')"
        body = (f"function(...args) {{ return Promise.race([({_ASYNC_BODY % script}).apply(null, args),"
                f" new Promise((_, reject) => setTimeout(() => reject({expired}), {int(timeout * 1000)}))]); }}")
        return self._value(self._call(body, args, timeout))

    def find_elements(self, by: str, selector: str, within: FirefoxElement | None = None) -> list[FirefoxElement]:
        if by != "css selector":
            raise FirefoxError(f"only CSS selectors are supported, not {by!r}")
        found = self._value(self._call(
            "function(root, sel) { return Array.from((root || document).querySelectorAll(sel)); }",
            (within, selector)))
        return found if isinstance(found, list) else [found] if isinstance(found, FirefoxElement) else []

    def screenshot_png(self) -> bytes:
        result = self.command("browsingContext.captureScreenshot", {"context": self.context}, timeout=30)
        return base64.b64decode(result["data"])

    def save_screenshot(self, path: str | Path) -> bool:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(self.screenshot_png())
        return True

    def get_log(self, kind: str = "browser") -> list[dict]:
        """Console entries since the last call (selenium hands each line out once too)."""
        entries, self.console_entries = self.console_entries, []
        return entries

    def quit(self) -> None:
        """Ends the session, kills Firefox (its whole process group) and removes the profile."""
        if self._ws is not None:
            try:
                self.command("browser.close", timeout=5)
            except Exception:  # noqa: BLE001 - killed below anyway
                pass
            try:
                self._ws.close()
            except Exception:  # noqa: BLE001
                pass
            self._ws = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self._process = None
        if self._pump is not None:
            self._pump.join(5)  # Firefox is gone: its output ends
        if getattr(self, "_log", None) is not None:
            try:
                self._log.close()
            except Exception:  # noqa: BLE001
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


@contextmanager
def routable_address(address: str = "10.214.0.1") -> Iterator[str]:
    """Gives this network namespace a non-loopback `address` and a default route, while the
    context lasts. Measured with firefox-esr 153 in the suite's namespace (only `lo`): with no
    default route Firefox never starts ICE gathering (iceGatheringState stays "new"), and it
    gathers no 127.0.0.1 candidate even with media.peerconnection.ice.loopback. So: a veth pair
    whose one end has `address`/24, and a default route via the (absent) .2 neighbour; nothing
    is sent there, Firefox only needs the route to pick its default address. Only inside the
    suite's private namespace (never touch the host's routes); deleting the link at the end
    removes the address and the route."""
    if os.environ.get("CASCADE_INTEROP_NETNS") != "inside" or os.geteuid() != 0:
        raise FirefoxError("needs the suite's private network namespace, as root (run via InteropTests/run.sh)")

    def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=15)
        if check and result.returncode != 0:
            raise FirefoxError(f"ip {' '.join(args)}: {result.stderr.strip()}")
        return result

    name, peer = f"cfx{os.getpid() % 100000}", f"cfy{os.getpid() % 100000}"
    gateway = address.rsplit(".", 1)[0] + ".2"
    ip("link", "add", name, "type", "veth", "peer", "name", peer)
    try:
        ip("addr", "add", f"{address}/24", "dev", name)
        ip("link", "set", name, "up")
        ip("link", "set", peer, "up")
        if not ip("route", "show", "default").stdout.strip():
            ip("route", "add", "default", "via", gateway, "dev", name)
        yield address
    finally:
        ip("link", "del", name, check=False)


def start_firefox(log_path: Path, preload: str | None = None, viewport: tuple[int, int] = DESKTOP,
                  secure_origins: tuple[str, ...] = (), extra_prefs: dict[str, Any] | None = None) -> FirefoxDriver:
    """Starts headless Firefox (fake devices, quiet profile) with a BiDi session; `preload` runs
    in every page before its own scripts (e.g. harness.meeting.PC_RECORDER). `secure_origins`
    (e.g. "http://10.214.0.1:8080"): plain-HTTP origins whose hosts count as secure contexts
    (dom.securecontext.allowlist; only 127.0.0.1 and localhost do by default, and there is no
    getUserMedia without one). Firefox's output goes to `log_path`. Raises FirefoxError (with
    that output's tail) if it does not come up."""
    prefs = dict(extra_prefs or {})
    if secure_origins:
        hosts = [urllib.parse.urlsplit(origin).hostname or origin for origin in secure_origins]
        prefs["dom.securecontext.allowlist"] = ",".join(hosts)
    return FirefoxDriver(log_path, preload, viewport, extra_prefs=prefs)
