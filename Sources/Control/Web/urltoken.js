// A token given in the page's address (/r/{room}?token=…, from an invitation) is read once and
// taken out of the address bar: left there it stays in the history, in bookmarks, in shared
// screenshots and in what the browser sends as Referer. The tab keeps it in sessionStorage, so a
// reload still joins with it; another tab or a later visit does not see it.

const key = (path) => `cascade-token:${path}`;

/**
 * The token for the page at `href`: the `token` parameter if there is one (then stored, and the
 * address replaced by `replaceAddress(pathSearchAndHash)` without it), else the one stored for
 * this path, else null. `storage` is sessionStorage (or null where it is unavailable).
 */
export function takeTokenFromAddress(href, storage, replaceAddress) {
  const url = new URL(href);
  const given = url.searchParams.get("token");
  if (given) {
    try { storage?.setItem(key(url.pathname), given); } catch { /* storage full or off: the token still works now */ }
    url.searchParams.delete("token");
    replaceAddress(url.pathname + url.search + url.hash);
    return given;
  }
  try { return storage?.getItem(key(url.pathname)) || null; } catch { return null; }
}
