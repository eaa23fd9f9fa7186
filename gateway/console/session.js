// Who is signed in: the token from the URL fragment (never sent to the server by the browser) and the
// claims the console needs to decide what to show. The server checks the token; this only reads it.

function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/**
 * `{token, me: {id, name, roles}, expiresAt}` from `#token=…` (`expiresAt` in ms, 0 when the token has no
 * `exp`); `me` is undefined when the token cannot be read as a JWT; undefined when there is no token at all.
 */
export function readSession() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return undefined;
  const claims = claimsOf(token);
  if (!claims || typeof claims.sub !== 'string') return { token, me: undefined, expiresAt: 0 };
  const raw = Array.isArray(claims.roles) ? claims.roles : [claims.role];
  const roles = raw.filter(Boolean).map((r) => String(r).replace(/^ROLE_/, ''));
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
  return { token, me: { id: claims.sub, name: typeof claims.name === 'string' && claims.name ? claims.name : claims.sub, roles }, expiresAt };
}
