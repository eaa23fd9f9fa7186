import { ConfigError, loadConfig } from '../../lib/config/config';

const key = (b: number) => Buffer.alloc(32, b).toString('base64');

describe('config', () => {
  it('applies the contract defaults and warns about development fallbacks', () => {
    const { config, warnings } = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/office_hours');
    expect(config.redisPrefix).toBe('oh');
    expect(config.s3.bucket).toBe('consultation-chat');
    expect(config.s3.endpoint).toBeUndefined();
    expect(config.chat.ttlMs).toBe(604_800_000);
    expect(config.chat.maxMessageChars).toBe(4000);
    expect(config.autoClose).toEqual({ inactiveMs: 7_200_000, maxDurationMs: 86_400_000, warnBeforeMs: 600_000, scanIntervalMs: 60_000 });
    expect(config.archiveTimezone).toBe('Asia/Seoul');
    expect(config.tempRetentionMs).toBe(216_000_000);
    expect(config.jwt.secret).toBeDefined();
    expect(warnings.join('\n')).toMatch(/JWT_SECRET/);
    expect(warnings.join('\n')).toMatch(/ARCHIVE_KEYS/);
  });

  it('refuses to start in production without a JWT key or archive keys', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ARCHIVE_KEYS: `a:${key(1)}`, DASHBOARD_PASSWORD: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's', DASHBOARD_PASSWORD: 'x' })).toThrow(/ARCHIVE_KEYS/);
    const { config, warnings } = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's', ARCHIVE_KEYS: `a:${key(1)}`, DASHBOARD_PASSWORD: 'x' });
    expect(config.isProduction).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('parses archive keys with an active id and rejects bad ones', () => {
    const { config } = loadConfig({ ARCHIVE_KEYS: `old:${key(1)},new:${key(2)}`, ARCHIVE_ACTIVE_KEY_ID: 'new' });
    expect(config.archiveKeys?.activeKeyId).toBe('new');
    expect(config.archiveKeys?.keys.get('old')).toEqual(Buffer.alloc(32, 1));
    expect(loadConfig({ ARCHIVE_KEYS: `a:${key(1)}` }).config.archiveKeys?.activeKeyId).toBe('a');
    expect(() => loadConfig({ ARCHIVE_KEYS: 'a:c2hvcnQ=' })).toThrow(/32 bytes/);
    expect(() => loadConfig({ ARCHIVE_KEYS: `a:${key(1)}`, ARCHIVE_ACTIVE_KEY_ID: 'b' })).toThrow(/not in ARCHIVE_KEYS/);
  });

  it('rejects malformed values with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ CHAT_TTL_MS: '-1' })).toThrow(/CHAT_TTL_MS/);
    expect(() => loadConfig({ MINIO_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(/MINIO_ACCESS_KEY/);
  });

  it('splits ALLOWED_ORIGINS', () => {
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, https://b.example' }).config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});
