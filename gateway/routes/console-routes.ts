import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Router } from '../http/router';

const CONSOLE_DIR = path.join(__dirname, '..', 'console');

const JS = 'text/javascript; charset=utf-8';
/** The page's ES modules (one view or concern each; see console.js). */
const MODULES = ['console.js', 'messages.js', 'dom.js', 'session.js', 'composer.js', 'message-list.js', 'room-list.js', 'room-view.js', 'request-form.js'];

const FILES: Record<string, { file: string; type: string }> = {
  '/console/': { file: path.join(CONSOLE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  ...Object.fromEntries(MODULES.map((m) => [`/console/${m}`, { file: path.join(CONSOLE_DIR, m), type: JS }])),
  '/console/console.css': { file: path.join(CONSOLE_DIR, 'console.css'), type: 'text/css; charset=utf-8' },
  // The client library's browser bundle (npm run build:client), with @stomp/stompjs inside.
  '/console/office-hours-client.js': { file: path.join(CONSOLE_DIR, 'office-hours-client.js'), type: JS },
};

/**
 * GET /console/ (CONTRACT §4): the web console, static files read once at start. The page talks to the
 * same public API as any client; its token stays in the URL fragment, which browsers never send.
 */
export function registerConsoleRoutes(router: Router): void {
  for (const [route, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(file);
    router.add('GET', route, async (ctx) => {
      // The page's relative links need the trailing slash (the router does not tell /console from /console/).
      if (ctx.ex.path === '/console') {
        ctx.ex.setHeader('location', '/console/');
        ctx.ex.send(301, undefined);
        return;
      }
      ctx.ex.setHeader('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:");
      ctx.ex.setHeader('cache-control', 'no-cache');
      ctx.ex.send(200, body, type);
    });
  }
}
