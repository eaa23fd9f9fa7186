import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** HTTP basic auth for Bull Board (DASHBOARD_USER / DASHBOARD_PASSWORD). */
export function basicAuth(user: string, password: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep >= 0 && same(decoded.slice(0, sep), user) && same(decoded.slice(sep + 1), password)) return next();
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="Office Hours queues", charset="UTF-8"')
      .json({ error: { code: 'UNAUTHENTICATED', message: 'dashboard credentials required' } });
  };
}
