import { readFileSync } from 'node:fs';
import { type Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { openConsole, roomButton, roomIdxByTitle, screenshot, type ConsolePage } from './support/console-page';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The web console (/console/) as its people use it, in headless Chromium, in Korean and in English: a student
 * finds a professor by name and requests; the professor reads the question and approves (or rejects with a
 * reason); both chat with names, marks and unread counts; a reload shows the history; the consultation ends
 * and its archive downloads. With CONSOLE_SCREENSHOTS=1 it also writes docs/console-{ko,en}-*.png.
 */
let sys: TestSystem;
let browser: Browser;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  sys = await startTestSystem({}, {}, { workers: true });
  await sys.core.users.upsertMany([
    { id: 'p-choi', name: '최민호', role: 'PROFESSOR' },
    { id: 'p-choi2', name: '최민수', role: 'PROFESSOR' },
    { id: 'p-lee', name: 'Margaret Lee', role: 'PROFESSOR' },
  ]);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sys?.close();
});
afterEach(() => {
  for (const p of pages.splice(0)) expect(p.errors).toEqual([]);
});

async function open(token: string, locale: string): Promise<ConsolePage> {
  const p = await openConsole(browser, sys.baseUrl, token, { locale });
  pages.push(p);
  return p;
}

const FLOWS = [
  {
    locale: 'ko-KR',
    lang: 'ko',
    student: { id: 's-ko', name: '김학생' },
    professor: { id: 'p-choi', name: '최민호' },
    query: '최민',
    words: { rooms: '상담 목록', request: '상담 신청', approve: '승인', typing: '최민호 님이 입력 중', unread: '읽지 않음 1' },
  },
  {
    locale: 'en-US',
    lang: 'en',
    student: { id: 's-en', name: 'Kim' },
    professor: { id: 'p-lee', name: 'Margaret Lee' },
    query: 'marg',
    words: { rooms: 'Consultations', request: 'Request a consultation', approve: 'Approve', typing: 'Margaret Lee is typing', unread: '1 unread' },
  },
];

describe.each(FLOWS)('in $locale', ({ locale, lang, student, professor, query, words }) => {
  it('student finds the professor by name and requests; the professor reads the question and approves; they chat; reload shows history', async () => {
    const s = await open(sys.token(student.id, 'STUDENT', { name: student.name }), locale);
    const sp = s.page;
    expect(await sp.getAttribute('html', 'lang')).toBe(lang);
    await sp.locator('#rooms-heading', { hasText: words.rooms }).waitFor();
    await sp.locator('#request-form h3', { hasText: words.request }).waitFor();

    // Search as you type: a part of the name is enough.
    await sp.locator('#professor-search').pressSequentially(query, { delay: 30 });
    const hit = sp.locator(`#professor-results button[data-professor-id="${professor.id}"]`);
    await hit.waitFor();
    await sp.locator('#request-title').fill(`Midterm ${lang}`);
    await sp.locator('#request-content').fill(`How is problem 3 graded? (${lang})`);
    await screenshot(sp, `${lang}-request`);
    await hit.click();
    await sp.locator('#professor-chosen', { hasText: professor.name }).waitFor();
    await sp.locator('#request-form button[type=submit]').click();
    const idx = await roomIdxByTitle(sp, `Midterm ${lang}`);
    await sp.locator('#room-state[data-status="PENDING"]').waitFor();

    const p = await open(sys.token(professor.id, 'PROFESSOR', { name: professor.name }), locale);
    const pp = p.page;
    await roomButton(pp, idx).click();
    // The professor sees the question itself, not only its title, before deciding.
    await pp.locator('#room-question-text', { hasText: `How is problem 3 graded? (${lang})` }).waitFor();
    await screenshot(pp, `${lang}-professor-request`);
    await pp.locator('#room-actions button', { hasText: words.approve }).click();
    await pp.locator('#room-state[data-status="SCHEDULED"]').waitFor();
    // The student's page follows the STATUS event.
    await sp.locator('#room-state[data-status="SCHEDULED"]').waitFor();

    const box = sp.locator('#message');
    await box.fill('Hello professor');
    await box.press('Enter');
    const first = pp.locator('#messages li.theirs', { hasText: 'Hello professor' });
    await first.waitFor();
    // Senders by name, not role; one's own message loses its "sending" mark once acknowledged.
    expect(await first.locator('.sender').textContent()).toBe(student.name);
    await sp.locator('#messages li.mine[data-seq]', { hasText: 'Hello professor' }).waitFor();
    await sp.locator('#messages li.sending').waitFor({ state: 'detached' });
    await sp.locator('#read-mark', { hasText: /\S/ }).waitFor();

    await pp.locator('#message').pressSequentially('Hello', { delay: 20 });
    await sp.locator('#typing', { hasText: words.typing }).waitFor();
    await pp.locator('#message').press('Enter');
    const reply = sp.locator('#messages li.theirs', { hasText: 'Hello' });
    await reply.waitFor();
    expect(await reply.locator('.sender').textContent()).toBe(professor.name);
    await sp.locator('#room-state[data-status="IN_PROGRESS"]').waitFor();
    await screenshot(sp, `${lang}-chat`);

    // The professor reloads: nothing is open, so a new message counts as unread; opening the room shows
    // the whole history from before the reload and clears the count.
    await pp.reload();
    await pp.locator('#connection[data-state="connected"]').waitFor();
    await box.fill('Are you there?');
    await box.press('Enter');
    await roomButton(pp, idx).locator('.unread', { hasText: words.unread }).waitFor();
    await screenshot(pp, `${lang}-unread`);
    await roomButton(pp, idx).click();
    await pp
      .locator('#messages li')
      .filter({ hasText: /Hello professor|Hello|Are you there\?/ })
      .nth(2)
      .waitFor();
    expect(await pp.locator('#messages li .content').allTextContents()).toEqual(['Hello professor', 'Hello', 'Are you there?']);
    await roomButton(pp, idx).locator('.unread').waitFor({ state: 'detached' });
  }, 120_000);
});

it('a professor rejects with a reason, a student cancels; errors show where the action was and clear on success (en-US)', async () => {
  const s = await open(sys.token('s-rc', 'STUDENT', { name: 'Park' }), 'en-US');
  const sp = s.page;
  // Requesting without choosing a professor: the error sits in the form.
  await sp.locator('#request-title').fill('Thesis topic');
  await sp.locator('#request-content').fill('Could we discuss my topic?');
  await sp.locator('#request-form button[type=submit]').click();
  await sp.locator('#request-error', { hasText: 'Choose a professor' }).waitFor();
  await sp.locator('#professor-search').pressSequentially('최민수', { delay: 30 });
  await sp.locator('#professor-results button[data-professor-id="p-choi2"]').click();
  await sp.locator('#request-form button[type=submit]').click();
  const rejected = await roomIdxByTitle(sp, 'Thesis topic');
  expect(await sp.locator('#request-error').isHidden()).toBe(true);

  await sp.locator('#professor-search').pressSequentially('lee', { delay: 30 });
  await sp.locator('#professor-results button[data-professor-id="p-lee"]').click();
  await sp.locator('#request-title').fill('Changed my mind');
  await sp.locator('#request-content').fill('Never mind');
  await sp.locator('#request-form button[type=submit]').click();
  const canceled = await roomIdxByTitle(sp, 'Changed my mind');
  await sp.locator('#room-actions button', { hasText: 'Cancel request' }).click();
  await sp.locator('#room-state[data-status="CANCELED"]').waitFor();

  const p = await open(sys.token('p-choi2', 'PROFESSOR', { name: '최민수' }), 'en-US');
  const pp = p.page;
  await roomButton(pp, rejected).click();
  await pp.locator('#room-question-text', { hasText: 'Could we discuss my topic?' }).waitFor();
  await pp.locator('#room-actions button', { hasText: 'Reject' }).click();
  await pp.locator('#reject-reason').fill('My office hours are full this term.');
  await pp.locator('#reject-form button[type=submit]').click();
  await pp.locator('#room-state[data-status="REJECTED"]').waitFor();
  // A second decision on the same request fails where it was made.
  const approveAgain = await sys.http('POST', '/api/consultation/approve', { token: sys.token('p-choi2', 'PROFESSOR'), body: { requestIdx: rejected } });
  expect(approveAgain.status).toBe(409);
  await sp.locator(`#rooms button[data-request-idx="${rejected}"][data-status="REJECTED"]`).waitFor();
  await roomButton(sp, rejected).click();
  await sp.locator('#room-state', { hasText: 'My office hours are full this term.' }).waitFor();
  expect(canceled).not.toBe(rejected);
}, 90_000);

it('ends a consultation and downloads its archive, names in it (en-US)', async () => {
  const s = await open(sys.token('s-end', 'STUDENT', { name: 'Jung' }), 'en-US');
  const created = await sys.http('POST', '/api/consultation/request', {
    token: sys.token('s-end', 'STUDENT', { name: 'Jung' }),
    body: { professorId: 'p-lee', title: 'Archive me', content: 'q' },
  });
  const idx = created.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p-lee', 'PROFESSOR', { name: 'Margaret Lee' }), body: { requestIdx: idx } });
  const sp = s.page;
  await roomButton(sp, idx).click();
  await sp.locator('#room-state[data-status="SCHEDULED"]').waitFor();
  await sp.locator('#message').fill('Thank you');
  await sp.locator('#message').press('Enter');
  await sp.locator('#messages li.mine[data-seq]', { hasText: 'Thank you' }).waitFor();
  await sp.locator('#room-actions button', { hasText: 'End consultation' }).click();
  await sp.locator('#room-state[data-status="COMPLETED"]').waitFor();
  expect(await sp.locator('#message').isDisabled()).toBe(true);
  expect(await sp.locator('#message').getAttribute('placeholder')).toBe('This consultation is closed; no more messages can be sent.');
  // The worker writes the archive a little later and no event says so: the open room shows that it is coming,
  // then its Download button, with no reload or reopening.
  await sp.locator('#archive-pending', { hasText: 'The archive is being prepared' }).waitFor();
  const download = sp.locator('#room-actions button', { hasText: 'Download archive' });
  await download.waitFor({ timeout: 60_000 });
  const [file] = await Promise.all([sp.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toBe(`chat_${idx}_final.txt`);
  expect(readFileSync((await file.path())!, 'utf8')).toContain('Jung (STUDENT): Thank you');
}, 90_000);
