import type { ChatMessage } from '../../protocol/chat-message';
import type { Consultation, Page, Professor } from '../../protocol/consultation';
import { ERROR_HTTP_STATUS, isServerErrorCode, SERVER_ERROR_CODES, type ServerErrorCode } from '../../protocol/error-codes';
import type { ConsultationStatus } from '../../protocol/room-events';
import { OfficeHoursError } from './errors';

export interface PageQuery {
  page?: number;
  size?: number;
}

export interface RestOptions {
  /** Base URL of the REST API, e.g. `https://campus.example` (asked again for every call). */
  baseUrl(): string;
  getToken(): string | Promise<string>;
  fetch: typeof fetch;
}

/** The code for an error body that is not the contract's JSON (a proxy's page, say). */
const CODE_BY_STATUS = new Map<number, ServerErrorCode>();
for (const code of SERVER_ERROR_CODES) if (!CODE_BY_STATUS.has(ERROR_HTTP_STATUS[code])) CODE_BY_STATUS.set(ERROR_HTTP_STATUS[code], code);

type Query = Record<string, string | number | undefined>;

interface Call {
  method?: 'GET' | 'POST';
  body?: object;
  query?: Query;
  requestIdx?: number;
}

/**
 * The REST side of the contract (CONTRACT §4), one method per route, each with a fresh token. A refusal
 * rejects with an OfficeHoursError carrying the contract's code and the HTTP status; a network failure
 * with CONNECTION_FAILED.
 */
export class RestApi {
  constructor(private readonly rest: RestOptions) {}

  requestConsultation(input: { professorId: string; title: string; content: string; desiredTime?: string }): Promise<Consultation> {
    return this.requestJson('/api/consultation/request', { method: 'POST', body: input });
  }

  approveConsultation(requestIdx: number, options: { scheduledTime?: string } = {}): Promise<Consultation> {
    return this.requestJson('/api/consultation/approve', { method: 'POST', body: { requestIdx, ...options }, requestIdx });
  }

  rejectConsultation(requestIdx: number, reason: string): Promise<Consultation> {
    return this.requestJson('/api/consultation/reject', { method: 'POST', body: { requestIdx, reason }, requestIdx });
  }

  cancelConsultation(requestIdx: number, reason?: string): Promise<Consultation> {
    return this.requestJson('/api/consultation/cancel', { method: 'POST', body: reason === undefined ? { requestIdx } : { requestIdx, reason }, requestIdx });
  }

  startConsultation(requestIdx: number): Promise<Consultation> {
    return this.requestJson('/api/consultation/start', { method: 'POST', body: { requestIdx }, requestIdx });
  }

  endConsultation(requestIdx: number): Promise<Consultation> {
    return this.requestJson('/api/consultation/end', { method: 'POST', body: { requestIdx }, requestIdx });
  }

  consultation(requestIdx: number): Promise<Consultation> {
    return this.requestJson(`/api/consultation/${requestIdx}`, { requestIdx });
  }

  /** The caller's SCHEDULED and IN_PROGRESS consultations. */
  activeConsultations(query: PageQuery = {}): Promise<Page<Consultation>> {
    return this.requestJson('/api/consultation/active', { query: { ...query } });
  }

  /** The caller's COMPLETED, REJECTED and CANCELED consultations. */
  pastConsultations(query: PageQuery = {}): Promise<Page<Consultation>> {
    return this.requestJson('/api/consultation/history', { query: { ...query } });
  }

  /** Requests the caller (a STUDENT) sent. */
  myRequests(query: PageQuery & { status?: ConsultationStatus } = {}): Promise<Page<Consultation>> {
    return this.requestJson('/api/consultation/my-requests', { query: { ...query } });
  }

  /** Requests the caller (a PROFESSOR) received. */
  receivedRequests(query: PageQuery & { status?: ConsultationStatus } = {}): Promise<Page<Consultation>> {
    return this.requestJson('/api/consultation/received', { query: { ...query } });
  }

  /** Known professors whose name or id contains `q` (case-insensitive), by name. */
  searchProfessors(q: string, query: PageQuery = {}): Promise<Page<Professor>> {
    return this.requestJson('/api/professors', { query: { q, ...query } });
  }

  /** The decrypted archive text (`chat_{requestIdx}_final.txt`); NOT_FOUND until it is written. In Node: `Buffer.from(await blob.arrayBuffer())`. */
  async downloadArchive(requestIdx: number): Promise<Blob> {
    return (await this.request(`/api/chat/archive/download/${requestIdx}`, { requestIdx })).blob();
  }

  /** Everything held about the caller, as NDJSON text (one JSON object per line). */
  async exportMyData(): Promise<string> {
    return (await this.request('/api/me/export', {})).text();
  }

  /** The room's history, a page at a time in seq order. */
  async *history(requestIdx: number, { afterSeq = 0, pageSize = 100 }: { afterSeq?: number; pageSize?: number } = {}): AsyncGenerator<ChatMessage[]> {
    for (let after = afterSeq; ;) {
      const page = await this.requestJson<{ items: ChatMessage[]; nextAfterSeq?: number }>(`/api/chat/messages/${requestIdx}`, {
        query: { afterSeq: after, limit: pageSize },
        requestIdx,
      });
      if (page.items.length) yield page.items;
      if (page.items.length < pageSize) return;
      after = page.nextAfterSeq ?? page.items[page.items.length - 1]!.seq;
    }
  }

  /** The app's token; a getToken() that fails is UNAUTHENTICATED, as it is for the connection. */
  private async token(requestIdx: number | undefined): Promise<string> {
    try {
      return await this.rest.getToken();
    } catch (err) {
      throw new OfficeHoursError('UNAUTHENTICATED', `getToken failed: ${err instanceof Error ? err.message : String(err)}`, { requestIdx });
    }
  }

  private async requestJson<T>(path: string, call: Call): Promise<T> {
    return (await (await this.request(path, call)).json()) as T;
  }

  private async request(path: string, { method = 'GET', body, query, requestIdx }: Call): Promise<Response> {
    let url: URL;
    try {
      url = new URL(path, this.rest.baseUrl());
    } catch (err) {
      throw new OfficeHoursError('CONNECTION_FAILED', `${method} ${path}: no valid REST base URL (${err instanceof Error ? err.message : String(err)})`, {
        requestIdx,
      });
    }
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token(requestIdx)}` };
    if (body) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.rest.fetch(url.href, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new OfficeHoursError('CONNECTION_FAILED', `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, { requestIdx });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let error: { code?: unknown; message?: unknown } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      // Not the contract's error body: the status decides the code.
    }
    const code = isServerErrorCode(error?.code) ? error.code : (CODE_BY_STATUS.get(res.status) ?? 'INTERNAL');
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`;
    throw new OfficeHoursError(code, message, { requestIdx, status: res.status });
  }
}
