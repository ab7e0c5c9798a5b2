// The start page (index.html): start a meeting under a generated (editable) name, or join one by
// name or link. The entry point of that page: it starts once the document is parsed.
import { newRoomName, parseRoomInput } from "./words.js";

function go(room) {
  location.href = `/r/${encodeURIComponent(room)}`;
}

function start() {
  const $ = (id) => document.getElementById(id);
  $("new-room").value = newRoomName();
  $("shuffle").addEventListener("click", () => { $("new-room").value = newRoomName(); $("new-room").focus(); });

  $("start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const room = parseRoomInput($("new-room").value);
    if (!room) {
      $("new-room").setCustomValidity("Use letters, digits, '-' and '_' (up to 64).");
      $("new-room").reportValidity();
      return;
    }
    go(room);
  });
  $("new-room").addEventListener("input", () => $("new-room").setCustomValidity(""));

  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const room = parseRoomInput($("join-room").value);
    if (!room) {
      $("join-error").textContent = "That does not look like a meeting name or link. Names use letters, digits, '-' and '_'.";
      $("join-room").setAttribute("aria-invalid", "true");
      return;
    }
    go(room);
  });
  $("join-room").addEventListener("input", () => {
    $("join-error").textContent = "";
    $("join-room").removeAttribute("aria-invalid");
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
