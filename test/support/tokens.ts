import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET } from './test-system';

const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Hostile tokens for the authorization matrix. */
export const badTokens = {
  expired: (sub = 's1') => jwt.sign({ name: 'X', roles: ['STUDENT'], exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET, { subject: sub }),
  algNone: (sub = 's1') => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub, name: 'X', roles: ['ADMIN'], exp: Math.floor(Date.now() / 1000) + 600 })}.`,
  wrongKey: (sub = 's1') => jwt.sign({ name: 'X', roles: ['ADMIN'] }, 'not-the-right-secret', { subject: sub, expiresIn: 600 }),
};

export function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
