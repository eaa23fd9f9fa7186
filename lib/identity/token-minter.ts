import jwt from 'jsonwebtoken';
import type { Role } from './roles';

/** Development tokens (npm run token) and test tokens: HS256 with the configured secret. */
export function mintToken(
  secret: string,
  claims: { sub: string; name: string; roles: Role[] },
  options: { expiresInSec?: number; issuer?: string; audience?: string } = {},
): string {
  return jwt.sign({ name: claims.name, roles: claims.roles }, secret, {
    algorithm: 'HS256',
    subject: claims.sub,
    expiresIn: options.expiresInSec ?? 12 * 3600,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  });
}
