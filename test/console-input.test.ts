import { type Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { openConsole, roomButton, screenshot, type ConsolePage } from './support/console-page';
import { startTestSystem, type TestSystem } from './support/test-system';
import { badTokens } from './support/tokens';

/**
 * The console against what people and hostile input do, in headless Chromium: a huge paste, an IME
 * composition, a refused token, a 400-character URL on a 360 px phone, a send the server refuses, and the
 * page's language (ko-KR, en-US) with dates in the person's locale.
 */
let sys: TestSystem;
let browser: Browser;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  sys = await startTestSystem();
  await sys.core.users.upsert({ id: 'p1', name: '이교수', role: 'PROFESSOR' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sys?.close();
});
afterEach(() => {
  for (const p of pages.splice(0)) expect(p.errors).toEqual([]);
});

const studentToken = (id: string) => sys.token(id, 'STUDENT', { name: `학생 ${id}` });

async function approvedRoom(student: string, title = 'Question', content = 'q', desiredTime?: string): Promise<number> {
  const created = await sys.http('POST', '/api/consultation/request', {
    token: studentToken(student),
    body: { professorId: 'p1', title, content, desiredTime },
  });
  expect(created.status).toBe(201);
  const idx = created.body.requestIdx as number;
  expect(
    (await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR', { name: '이교수' }), body: { requestIdx: idx } })).status,
  ).toBe(200);
  return idx;
}

async function storedContents(student: string, idx: number): Promise<string[]> {
  const res = await sys.http('GET', `/api/chat/messages/${idx}`, { token: studentToken(student) });
  return (res.body.items as { content: string }[]).map((m) => m.content);
}

async function openRoom(student: string, idx: number, options: { locale?: string; width?: number } = {}): Promise<ConsolePage> {
  const p = await openConsole(browser, sys.baseUrl, studentToken(student), options);
  pages.push(p);
  await roomButton(p.page, idx).click();
  await p.page.locator('#message:not([disabled])').waitFor();
  return p;
}

it('a 70,000-character paste is refused in the box with a visible count; the page stays connected and the next message goes out', async () => {
  const idx = await approvedRoom('s-paste');
  const p = await openRoom('s-paste', idx);
  // Sockets from here on are the paste's doing (a connect that timed out on a loaded machine is not).
  const socketsBefore = p.sockets.length;
  const box = p.page.locator('#message');
  await box.fill('가'.repeat(70_000));
  await p.page.locator('#composer-count.over', { hasText: '70,000 / 4,000' }).waitFor();
  await box.press('Enter');
  await p.page.locator('#composer-error', { hasText: 'limit is 4,000' }).waitFor();
  expect(await box.inputValue()).toHaveLength(70_000);
  expect(await p.page.locator('#messages li[data-pending]').count()).toBe(0);

  await box.fill('after the paste');
  expect(await p.page.locator('#composer-error').isHidden()).toBe(true);
  await box.press('Enter');
  await p.page.locator('#messages li.mine[data-seq]', { hasText: 'after the paste' }).waitFor();
  expect(await storedContents('s-paste', idx)).toEqual(['after the paste']);
  const opened = p.sockets.length - socketsBefore;
  expect({ opened, why: opened > 0 ? p.socketEnds : [] }).toEqual({ opened: 0, why: [] });
  expect(await p.page.getAttribute('#connection', 'data-state')).toBe('connected');
}, 60_000);

it('Enter while an IME is composing sends nothing; Shift+Enter is a new line; a plain Enter sends', async () => {
  const idx = await approvedRoom('s-ime');
  const p = await openRoom('s-ime', idx, { locale: 'ko-KR' });
  const box = p.page.locator('#message');
  await box.fill('안녕하세');
  // The Enter that confirms a syllable: isComposing in Chromium, keyCode 229 in browsers that do not set it.
  const prevented = await p.page.evaluate(`(() => {
    const node = document.getElementById('message');
    const composing = new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true });
    const legacy = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    Object.defineProperty(legacy, 'keyCode', { value: 229 });
    node.dispatchEvent(composing);
    node.dispatchEvent(legacy);
    return [composing.defaultPrevented, legacy.defaultPrevented];
  })()`);
  expect(prevented).toEqual([false, false]);
  expect(await box.inputValue()).toBe('안녕하세');
  await box.press('Shift+Enter');
  await box.pressSequentially('요');
  expect(await box.inputValue()).toBe('안녕하세\n요');
  expect(await p.page.locator('#messages li[data-pending], #messages li[data-seq]').count()).toBe(0);
  await box.press('Enter');
  await p.page.locator('#messages li.mine[data-seq]').waitFor();
  expect(await storedContents('s-ime', idx)).toEqual(['안녕하세\n요']);
}, 60_000);

it('a refused token shows a sign-in error and stops after a couple of connection attempts', async () => {
  const p = await openConsole(browser, sys.baseUrl, badTokens.wrongKey('s-bad'), { waitConnected: false });
  pages.push(p);
  await p.page.locator('#signin-error', { hasText: 'Sign-in failed' }).waitFor();
  await p.page.locator('#connection[data-state="unauthenticated"]').waitFor();
  // Long enough for several backoff rounds, were the client still retrying.
  await p.page.waitForTimeout(4000);
  expect(p.sockets.length).toBeGreaterThanOrEqual(1);
  expect(p.sockets.length).toBeLessThanOrEqual(2);
  await screenshot(p.page, 'en-signin-refused');
}, 60_000);

it('an expired token says it expired, a token that is not a JWT says it cannot be read, and a refused page cannot be used', async () => {
  const expired = await openConsole(browser, sys.baseUrl, badTokens.expired('s-old'), { waitConnected: false, locale: 'ko-KR' });
  pages.push(expired);
  await expired.page.locator('#signin-error', { hasText: '토큰이 만료되었습니다' }).waitFor();
  await expired.page.locator('#connection[data-state="unauthenticated"]').waitFor();
  expect(await expired.page.evaluate("document.querySelector('main').inert")).toBe(true);
  await expired.page.locator('#professor-search').focus(); // an inert field takes no focus
  expect(await expired.page.evaluate('document.activeElement && document.activeElement.id')).not.toBe('professor-search');

  const garbage = await openConsole(browser, sys.baseUrl, 'not-a-jwt', { waitConnected: false, locale: 'en-US' });
  pages.push(garbage);
  await garbage.page.locator('#signin-error', { hasText: 'The token in this link cannot be read' }).waitFor();
  expect(garbage.sockets).toEqual([]);
}, 60_000);

it('a 400-character URL in a title, a question and a message keeps a 360 px page from widening', async () => {
  const url = `https://example.com/${'a1b2c3d4'.repeat(48)}`.slice(0, 400);
  const idx = await approvedRoom('s-wide', url.slice(0, 200), `See ${url}`);
  const p = await openRoom('s-wide', idx, { width: 360, locale: 'ko-KR' });
  const box = p.page.locator('#message');
  await box.fill(url);
  await box.press('Enter');
  await p.page.locator('#messages li.mine[data-seq]').waitFor();
  const widths = (await p.page.evaluate('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })')) as { scroll: number; inner: number };
  expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
  await screenshot(p.page, 'ko-phone');
}, 60_000);

it('a send the server refuses is marked failed with the reason, and Retry sends it', async () => {
  const idx = await approvedRoom('s-fail');
  const p = await openConsole(browser, sys.baseUrl, studentToken('s-fail'), { waitConnected: false });
  pages.push(p);
  // Between page and gateway: the first chat.send of "refuse me" is answered with a refusal instead.
  let refused = false;
  await p.page.routeWebSocket(/\/ws\/chat/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((frame) => {
      const text = String(frame);
      const id = /"clientMsgId":"([^"]+)"/.exec(text)?.[1];
      if (!refused && text.startsWith('SEND') && text.includes('/app/chat.send') && text.includes('refuse me') && id) {
        refused = true;
        const body = JSON.stringify({ type: 'ERROR', code: 'FORBIDDEN', message: 'refused by the test', requestIdx: idx, clientMsgId: id });
        ws.send(`MESSAGE\ndestination:/user/queue/errors\ncontent-type:application/json\nsubscription:sub-1\nmessage-id:test-1\n\n${body}\u0000`);
        return;
      }
      server.send(frame);
    });
  });
  await p.page.reload();
  await p.page.locator('#connection[data-state="connected"]').waitFor();
  await roomButton(p.page, idx).click();
  const box = p.page.locator('#message:not([disabled])');
  await box.fill('refuse me');
  await box.press('Enter');
  const failed = p.page.locator('#messages li.failed', { hasText: 'refuse me' });
  await failed.locator('.mark', { hasText: 'not sent: You are not allowed to do that.' }).waitFor();
  await failed.locator('button.retry').click();
  await p.page.locator('#messages li.mine[data-seq]', { hasText: 'refuse me' }).waitFor();
  expect(await p.page.locator('#messages li.failed').count()).toBe(0);
  expect(await storedContents('s-fail', idx)).toEqual(['refuse me']);
}, 60_000);

it.each([
  { locale: 'ko-KR', lang: 'ko', heading: '상담 목록', state: '연결됨', placeholder: '이름을 입력하세요', desired: /희망 시간: .*오[전후]/, older: /2020/ },
  { locale: 'en-US', lang: 'en', heading: 'Consultations', state: 'connected', placeholder: 'Type a name', desired: /Desired time: .*[AP]M/, older: /2020/ },
])(
  'a $locale page speaks its language, with dates in its locale',
  async ({ locale, lang, heading, state, placeholder, desired, older }) => {
    const created = await sys.http('POST', '/api/consultation/request', {
      token: studentToken(`s-${lang}`),
      body: { professorId: 'p1', title: 'When?', content: 'q', desiredTime: '2030-05-06T07:08:00Z' },
    });
    const p = await openConsole(browser, sys.baseUrl, studentToken(`s-${lang}`), { locale });
    pages.push(p);
    const page = p.page;
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.locator('#rooms-heading').textContent()).toBe(heading);
    expect(await page.locator('#connection').textContent()).toBe(state);
    expect(await page.getAttribute('#professor-search', 'placeholder')).toBe(placeholder);
    await roomButton(page, created.body.requestIdx).click();
    expect(await page.locator('#room-state').textContent()).toMatch(desired);
    // A message from another day carries its date.
    const when = await page.evaluate(`import('/console/messages.js').then((m) => m.formatWhen('2020-01-02T03:04:05Z'))`);
    expect(when).toMatch(older);
    // Nothing of the other language's interface is left on the page (names are the people's own).
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(lang === 'ko' ? /Consultations|Request a consultation|Question/ : /상담|신청|질문/);
  },
  60_000,
);
