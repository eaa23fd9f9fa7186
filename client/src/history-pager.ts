import { OfficeHoursError, type ErrorCode } from './errors';
import type { ChatMessage } from './events';

/**
 * A room's history over REST (`GET /api/chat/messages/{requestIdx}?afterSeq&limit`), page by page in seq
 * order, with a fresh token for each page.
 */
export async function* historyPages(
  options: { restUrl: string; getToken: () => string | Promise<string>; fetch: typeof fetch },
  requestIdx: number,
  { afterSeq = 0, pageSize = 100 }: { afterSeq?: number; pageSize?: number } = {},
): AsyncGenerator<ChatMessage[]> {
  for (let after = afterSeq; ;) {
    const res = await options.fetch(`${options.restUrl}/api/chat/messages/${requestIdx}?afterSeq=${after}&limit=${pageSize}`, {
      headers: { authorization: `Bearer ${await options.getToken()}` },
    });
    const body = (await res.json()) as { items?: ChatMessage[]; nextAfterSeq?: number; error?: { code: ErrorCode; message: string } };
    if (!res.ok || !body.items) throw new OfficeHoursError(body.error?.code ?? 'INTERNAL', body.error?.message ?? `HTTP ${res.status}`, requestIdx);
    if (body.items.length) yield body.items;
    if (body.items.length < pageSize) return;
    after = body.nextAfterSeq ?? body.items[body.items.length - 1]!.seq;
  }
}
