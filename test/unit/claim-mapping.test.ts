import { AppError } from '../../lib/errors/app-error';
import { DEFAULT_CLAIM_MAPPING, parseRoleMap, principalFromClaims, type ClaimMapping } from '../../lib/identity/claim-mapping';
import { loadConfig } from '../../lib/config/config';

const exp = Math.floor(Date.now() / 1000) + 600;
const mapped = (roleClaim: string | undefined, map: string | undefined, nameClaim = 'name'): ClaimMapping => ({
  roleClaim,
  roleMap: map ? parseRoleMap(map) : undefined,
  nameClaim,
});
const roles = (claims: object, mapping: ClaimMapping) => [...principalFromClaims({ sub: 'u', exp, ...claims }, mapping).roles].sort();
const refused = (claims: object, mapping: ClaimMapping) => {
  try {
    principalFromClaims({ sub: 'u', exp, ...claims }, mapping);
    return false;
  } catch (err) {
    return err instanceof AppError && err.code === 'UNAUTHENTICATED';
  }
};

describe('claim mapping (JWT_ROLE_CLAIM, JWT_ROLE_MAP, JWT_NAME_CLAIM)', () => {
  it('reads roles, else role, by default', () => {
    expect(roles({ roles: ['student', 'ROLE_ADMIN'] }, DEFAULT_CLAIM_MAPPING)).toEqual(['ADMIN', 'STUDENT']);
    expect(roles({ role: 'PROFESSOR' }, DEFAULT_CLAIM_MAPPING)).toEqual(['PROFESSOR']);
  });

  it('reads a dotted path holding a string or an array, and a claim whose name has dots', () => {
    expect(roles({ realm_access: { roles: ['x', 'faculty'] } }, mapped('realm_access.roles', 'faculty:PROFESSOR'))).toEqual(['PROFESSOR']);
    expect(roles({ app: { role: 'student' } }, mapped('app.role', 'student:STUDENT'))).toEqual(['STUDENT']);
    expect(roles({ 'https://campus.example/roles': ['staff'] }, mapped('https://campus.example/roles', 'staff:ADMIN'))).toEqual(['ADMIN']);
    expect(roles({ groups: ['STUDENT'] }, mapped('groups', undefined))).toEqual(['STUDENT']);
  });

  it('ignores unmapped values and refuses a token with no mapped role', () => {
    const m = mapped('roles', 'faculty:PROFESSOR,student:STUDENT');
    expect(roles({ roles: ['faculty', 'janitor', 'STUDENT'] }, m)).toEqual(['PROFESSOR']);
    expect(refused({ roles: ['janitor', 'PROFESSOR'] }, m)).toBe(true);
    expect(refused({}, m)).toBe(true);
    expect(refused({ roles: { faculty: true } }, m)).toBe(true);
    // A path through something that is not an object, or an inherited property, is no value.
    expect(refused({ roles: 'faculty' }, mapped('roles.x', 'faculty:PROFESSOR'))).toBe(true);
    expect(refused({}, mapped('constructor', 'faculty:PROFESSOR'))).toBe(true);
  });

  it('takes the name from the configured claim, else the sub', () => {
    const m = mapped(undefined, undefined, 'preferred_username');
    expect(principalFromClaims({ sub: 'u', exp, role: 'STUDENT', preferred_username: ' kim\u0007 ' }, m).name).toBe('kim');
    expect(principalFromClaims({ sub: 'u', exp, role: 'STUDENT', name: 'Not this' }, m).name).toBe('u');
  });

  it('parses JWT_ROLE_MAP with URN roles and refuses bad entries at start', () => {
    expect([...parseRoleMap('urn:campus:faculty:PROFESSOR, student:role_student')]).toEqual([
      ['urn:campus:faculty', 'PROFESSOR'],
      ['student', 'STUDENT'],
    ]);
    expect(() => loadConfig({ JWT_ROLE_MAP: 'faculty:JANITOR' })).toThrow(/JWT_ROLE_MAP entry "faculty:JANITOR"/);
    expect(() => loadConfig({ JWT_ROLE_MAP: 'PROFESSOR' })).toThrow(/JWT_ROLE_MAP/);
    expect(() => loadConfig({ JWT_JWKS_URL: 'not a url' })).toThrow(/JWT_JWKS_URL/);
  });

  it('never falls back to the development secret when a JWKS is configured', () => {
    const { config, warnings } = loadConfig({ JWT_JWKS_URL: 'https://idp.example/jwks' });
    expect(config.jwt.secret).toBeUndefined();
    expect(warnings.join('\n')).not.toMatch(/JWT_SECRET/);
    expect(loadConfig({ JWT_JWKS_URL: 'https://idp.example/jwks', JWT_SECRET: 'explicit' }).config.jwt.secret).toBe('explicit');
    expect(loadConfig({ JWT_JWKS_URL: 'http://idp.example/jwks' }).warnings.join('\n')).toMatch(/JWT_JWKS_URL is not https/);
    // Production with only a JWKS starts.
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        JWT_JWKS_URL: 'https://idp.example/jwks',
        ARCHIVE_KEYS: `a:${Buffer.alloc(32, 1).toString('base64')}`,
        DASHBOARD_PASSWORD: 'x',
      }),
    ).not.toThrow();
  });
});
