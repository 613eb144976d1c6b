/**
 * The request line the provisioning log keeps (issue 12, item 7): the path and the query string, decoded so an admin
 * reads `/Users?filter=userName eq "a@b"`, with the value of every query parameter this service does not know
 * replaced by `[redacted]`. Clients put tokens in query strings (`?access_token=…`); the log is shown to admins and
 * kept for weeks, so only the parameters of RFC 7644 §3.4.2 (and §3.9) are kept as sent.
 */
const knownParameters = new Set([
  'filter',
  'attributes',
  'excludedattributes',
  'startindex',
  'count',
  'sortby',
  'sortorder',
]);

const maxLength = 1024;

export function requestLine(url: string): string {
  const q = url.indexOf('?');
  const path = decoded(q < 0 ? url : url.slice(0, q));
  let line = path;
  if (q >= 0) {
    const parts = url
      .slice(q + 1)
      .split('&')
      .filter((p) => p !== '')
      .map((p) => {
        const eq = p.indexOf('=');
        const name = decoded(eq < 0 ? p : p.slice(0, eq));
        if (eq < 0) return name;
        return knownParameters.has(name.toLowerCase())
          ? `${name}=${decoded(p.slice(eq + 1))}`
          : `${name}=[redacted]`;
      });
    line = `${path}?${parts.join('&')}`;
  }
  return line.length > maxLength ? `${line.slice(0, maxLength - 3)}...` : line;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s; // a malformed escape: kept as sent
  }
}
