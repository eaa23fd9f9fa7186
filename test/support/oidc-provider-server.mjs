// A real OpenID provider (panva's oidc-provider) for the identity tests, run as its own process (the package
// is ESM-only). argv: port, path of a JSON file {keys: [private JWKs]}. It issues JWT access tokens by the
// client-credentials grant, signed with the first key of the algorithm a client uses, with Keycloak-shaped
// claims, and prints one JSON line per JWKS request so the test can count them.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const [port, keysFile] = process.argv.slice(2);
const jwks = JSON.parse(readFileSync(keysFile, 'utf8'));
const AUDIENCE = 'urn:office-hours';

/** Client id (the token's sub) → what the provider says about that person. */
const PEOPLE = {
  'kim-student': { alg: 'RS256', claims: { preferred_username: 'kim', realm_access: { roles: ['offline_access', 'student'] } } },
  'lee-faculty': { alg: 'ES256', claims: { preferred_username: 'lee', realm_access: { roles: ['faculty'] } } },
  'pat-staff': { alg: 'RS256', claims: { preferred_username: 'pat', realm_access: { roles: ['staff', 'STUDENT'] } } },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  jwks,
  clients: Object.keys(PEOPLE).map((id) => ({
    client_id: id,
    client_secret: `secret-${id}`,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  })),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => AUDIENCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, _resource, client) => ({
        scope: 'chat',
        audience: AUDIENCE,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: PEOPLE[client.clientId].alg } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => PEOPLE[token.clientId]?.claims,
});
provider.use(async (ctx, next) => {
  if (ctx.path === '/jwks') process.stdout.write(`${JSON.stringify({ msg: 'jwks served' })}\n`);
  await next();
});
http.createServer(provider.callback()).listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'provider listening', issuer: provider.issuer })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
