import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian packages some tests drive (a real browser, a real Prometheus, a real reverse proxy); `npm test` installs them when it can. */
export const TEST_PACKAGES = [
  { binary: '/usr/bin/chromium', pkg: 'chromium' },
  { binary: '/usr/bin/promtool', pkg: 'prometheus' },
  { binary: '/usr/sbin/nginx', pkg: 'nginx-light' },
  // Korean glyphs for the console's screenshots (headless Chromium has no CJK font of its own).
  { binary: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', pkg: 'fonts-noto-cjk' },
] as const;

/**
 * Installs the missing ones with apt-get when running as root (CI and the development machines), so the
 * README's `npm test` needs no third step; otherwise says what to install and lets those tests fail clearly.
 */
export function ensureTestPackages(): void {
  const missing = TEST_PACKAGES.filter((p) => !existsSync(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    process.stderr.write(`\ntests need Debian packages: sudo apt-get install -y ${missing.join(' ')}\n`);
    return;
  }
  process.stderr.write(`\ninstalling Debian packages the tests need: ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, stdio: 'ignore' });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'ignore' });
    install();
  }
}
