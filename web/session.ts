/**
 * A page opened with `#token=<token>` (a server with `server.tokens`) trades the token for
 * the session cookie (POST /api/session: HttpOnly, SameSite=Strict), so its fetches and
 * its WebSocket carry it, and drops it from the address bar and the history at once. The
 * fragment never reaches a server or its logs.
 */
export async function takeTokenFromUrl(): Promise<void> {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  history.replaceState(null, '', location.pathname + location.search);
  await fetch('/api/session', { method: 'POST', headers: { authorization: `Bearer ${decodeURIComponent(match[1]!)}` } });
}
