import { AppError } from '../../lib/errors/app-error';
import { parseJsonObject } from '../../lib/validation/json-object';
import type { HttpExchange } from './http-exchange';

export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`);

/**
 * Reads the whole body, refusing more than MAX_BODY_BYTES whatever Content-Length claims (a declared size
 * over the limit fails at once; chunked or understated bodies fail as soon as the count passes it).
 * Chunks are copied inside the callback because uWS reuses the ArrayBuffer.
 */
export function readBody(ex: HttpExchange): Promise<Buffer> {
  const declared = ex.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let failed = false;
    ex.onAbort(() => reject(new AppError('INTERNAL', 'client aborted')));
    ex.res.onData((ab, isLast) => {
      if (failed) return;
      total += ab.byteLength;
      if (total > MAX_BODY_BYTES) {
        failed = true;
        reject(tooLarge());
        return;
      }
      chunks.push(Buffer.from(ab.slice(0)));
      if (isLast) resolve(Buffer.concat(chunks, total));
    });
  });
}

/** Reads and parses a JSON object body; an empty body is `{}`. */
export async function readJsonBody(ex: HttpExchange): Promise<Record<string, unknown>> {
  const raw = await readBody(ex);
  return raw.length === 0 ? {} : parseJsonObject(raw.toString('utf8'));
}
