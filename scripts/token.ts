import { loadConfig } from '../lib/config/config';
import { mintToken } from '../lib/identity/token-minter';
import { normalizeRole, type Role } from '../lib/identity/roles';
import { readCommandLine } from './command-line';

/** npm run token -- --sub s1 --name Kim --role STUDENT [--role ADMIN] [--ttl 3600]: a development JWT. */
const USAGE = `usage: npm run token -- --sub <id> --name <name> --role STUDENT|PROFESSOR|ADMIN [--role …] [--ttl seconds]
  prints a development JWT signed with JWT_SECRET (HS256), valid for --ttl seconds (default 43200)
  e.g. STUDENT=$(npm run -s token -- --sub s1 --name Kim --role STUDENT), then open
  http://127.0.0.1:8080/console/#token=$STUDENT
`;

const { values } = readCommandLine(USAGE, {
  options: {
    sub: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', multiple: true },
    ttl: { type: 'string', default: String(12 * 3600) },
  },
});
const roles = (values.role ?? []).map(normalizeRole).filter((r): r is Role => r !== undefined);
if (!values.sub || roles.length === 0) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const { config } = loadConfig();
if (!config.jwt.secret) {
  process.stderr.write('npm run token signs with JWT_SECRET (HS256); set it explicitly when JWT_PUBLIC_KEY or JWT_JWKS_URL is set\n');
  process.exit(2);
}
process.stdout.write(
  `${mintToken(
    config.jwt.secret,
    { sub: values.sub, name: values.name ?? values.sub, roles },
    {
      expiresInSec: Number(values.ttl),
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
    },
  )}\n`,
);
