import { approvedRoom } from './support/approved-room';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Live token refresh (CONTRACT §5): CONNECTED names the deadline, SEND /app/auth.refresh moves it for the
 * same sub, one TOKEN_EXPIRING warning comes before it, and the session ends at the deadline plus the grace.
 * Tokens last 2 s here (JWT exp has second resolution); the registry ticks every 100 ms.
 */
describe('STOMP token refresh', () => {
  let sys: TestSystem;
  const GRACE_MS = 400;
  beforeAll(async () => {
    sys = await startTestSystem({ STOMP_TOKEN_GRACE_MS: String(GRACE_MS), STOMP_HEARTBEAT_MS: '200' });
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  }, 30_000);
  afterAll(() => sys.close());

  const expOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  const refresh = (c: TestStompClient, token: string) => c.publishWithReceipt('/app/auth.refresh', '', { Authorization: `Bearer ${token}` });
  const warnings = (c: TestStompClient) => c.errors.filter((e) => e.type === 'TOKEN_EXPIRING');

  it('outlives three token lifetimes through refreshes, with new roles applied at once', async () => {
    const id = await approvedRoom(sys, 's1');
    let token = sys.token('s1', 'STUDENT', { expiresInSec: 2 });
    const c = await TestStompClient.connect(sys.gateway.port, token);
    expect(c.connectedHeaders['session-expires']).toBe(String(expOf(token)));
    for (let round = 1; round <= 3; round++) {
      await c.waitFor(() => warnings(c).length === round, 5_000, `TOKEN_EXPIRING ${round}`);
      expect(warnings(c)[round - 1]!['expiresAt']).toBe(new Date(expOf(token)).toISOString());
      token = sys.token('s1', round === 3 ? ['STUDENT', 'ADMIN'] : 'STUDENT', { expiresInSec: 2 + round, name: `Kim ${round}` });
      const receipt = await refresh(c, token);
      expect(receipt['session-expires']).toBe(String(expOf(token)));
      await c.send(id, `after refresh ${round}`, `r-${round}`);
    }
    expect(c.closed).toBeUndefined();
    // The echo travels by pub/sub and may follow the RECEIPT, so wait for it rather than read at once.
    await c.waitFor(() => c.chat(id).length === 3, 5_000, 'three echoes');
    expect(c.chat(id).map((e) => e.content)).toEqual(['after refresh 1', 'after refresh 2', 'after refresh 3']);
    // The refreshed claims are the session's now (the directory has the last token's name).
    expect((await sys.db.knex('users').where({ id: 's1' }).first())?.name).toBe('Kim 3');
    await c.close();
  }, 30_000);

  it('refuses a refresh for another sub as an error event, and the session ends at its old deadline', async () => {
    const token = sys.token('s2', 'STUDENT', { expiresInSec: 2 });
    const c = await TestStompClient.connect(sys.gateway.port, token);
    await expect(refresh(c, sys.token('s3', 'STUDENT', { expiresInSec: 60 }))).rejects.toThrow(/UNAUTHENTICATED/);
    await expect(refresh(c, 'not-a-jwt')).rejects.toThrow(/UNAUTHENTICATED/);
    await expect(c.publishWithReceipt('/app/auth.refresh', '')).rejects.toThrow(/UNAUTHENTICATED/);
    expect(c.closed).toBeUndefined();
    await c.waitClosed(8_000);
    const closedAt = Date.now();
    expect(warnings(c)).toHaveLength(1);
    expect(c.stompError?.headers['message']).toMatch(/^UNAUTHENTICATED: token expired/);
    // At the old deadline plus the grace (the registry ticks every 100 ms).
    expect(closedAt).toBeGreaterThanOrEqual(expOf(token) + GRACE_MS - 50);
    expect(closedAt).toBeLessThan(expOf(token) + GRACE_MS + 1_500);
  }, 30_000);
});
