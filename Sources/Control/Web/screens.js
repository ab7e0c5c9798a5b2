// The page's screens — pre-join, joining, meeting, ended — and what frames them: the room's name,
// the "Reconnecting…" banner, and the ended screen with the error in words (state.error).
import { watch } from "./store.js";

const SCREENS = ["prejoin", "joining", "meeting", "ended"];

export function mountScreens(store) {
  const $ = (id) => document.getElementById(id);

  watch(store, (s) => s.room, (room) => {
    document.title = `${room} — Cascade`;
    $("room-title").textContent = room;
    $("joining-room").textContent = room;
  });
  watch(store, (s) => s.phase === "reconnecting", (on) => { $("banner").hidden = !on; });
  watch(store, (s) => s.screen, (screen, s) => {
    if (screen === "ended" && s.error) {
      $("ended-title").textContent = s.error.title;
      $("ended-detail").textContent = s.error.detail;
      $("ended").dataset.errorCode = s.error.code;
      $("rejoin").hidden = !s.error.retry;
    }
    for (const id of SCREENS) $(id).hidden = id !== screen;
    if (screen === "ended") $("rejoin").focus();
  });

  $("rejoin").onclick = () => {
    const url = new URL(location.href);
    if (store.get().error?.code === "left") url.searchParams.delete("autojoin");
    location.href = url.toString();
  };
}
