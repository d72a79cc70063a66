// The read token (API_TOKEN, docs/security.md) when the server asks for one. It is given
// once in the URL fragment (`/#token=…`: fragments are never sent to the server, so
// they stay out of access logs and Referer headers), then kept for this tab only.
const KEY = 'tracker.readToken';

function fromFragment(): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return undefined;
  const token = decodeURIComponent(m[1]);
  sessionStorage.setItem(KEY, token);
  // Drop it from the address bar so it is not bookmarked or shared by accident.
  history.replaceState(null, '', location.pathname + location.search);
  return token;
}

export const readToken: string | undefined = fromFragment() ?? sessionStorage.getItem(KEY) ?? undefined;

/** Headers for a read API call. */
export const authHeaders = (): Record<string, string> => (readToken ? { authorization: `Bearer ${readToken}` } : {});

/** `&token=…` for the /ws/live URL (a browser WebSocket cannot send headers). */
export const tokenQuery = (): string => (readToken ? `&token=${encodeURIComponent(readToken)}` : '');
