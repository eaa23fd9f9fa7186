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

/** `{token, me: {id, name, roles}}` from `#token=…`, or undefined when there is none or it cannot be read. */
export function readSession() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const claims = token ? claimsOf(token) : undefined;
  if (!claims || typeof claims.sub !== 'string') return undefined;
  const raw = Array.isArray(claims.roles) ? claims.roles : [claims.role];
  const roles = raw.filter(Boolean).map((r) => String(r).replace(/^ROLE_/, ''));
  return { token, me: { id: claims.sub, name: typeof claims.name === 'string' && claims.name ? claims.name : claims.sub, roles } };
}
