import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The web console (/console/) in two headless Chromium pages, a student and a professor: request →
 * approve → chat both ways (with typing and read marks) → end → archive download, without a page error.
 * The mid-chat screenshot is docs/console-mid-chat.png (made by this test).
 */
const SCREENSHOT = path.join(__dirname, '..', 'docs', 'console-mid-chat.png');

let sys: TestSystem;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  sys = await startTestSystem({}, {}, { workers: true });
  await sys.core.users.upsert({ id: 'p1', name: 'Prof. Lee', role: 'PROFESSOR' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sys?.close();
});

async function signIn(token: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(`${sys.baseUrl}/console/#token=${token}`);
  await page.locator('#connection', { hasText: 'connected' }).waitFor();
  return page;
}

const room = (page: Page, title: string) => page.locator('#rooms button', { hasText: title });

it('student and professor go from request to downloaded archive', async () => {
  const student = await signIn(sys.token('s1', 'STUDENT', { name: 'Kim' }));
  await student.getByLabel('Professor id').fill('p1');
  await student.getByLabel('Title').fill('Midterm question');
  await student.getByLabel('Question').fill('How is problem 3 graded?');
  await student.getByRole('button', { name: 'Request' }).click();
  await room(student, 'Midterm question').waitFor();
  await room(student, 'PENDING').waitFor();

  const professor = await signIn(sys.token('p1', 'PROFESSOR', { name: 'Prof. Lee' }));
  await room(professor, 'Midterm question').click();
  await professor.getByRole('button', { name: 'Approve' }).click();
  await professor.locator('#chat-status', { hasText: 'SCHEDULED' }).waitFor();

  // The student's list follows the STATUS event.
  await room(student, 'SCHEDULED').click();
  const box = student.getByLabel('Message');
  await box.fill('Hello professor');
  await box.press('Enter');
  await professor.locator('#messages li', { hasText: 'Hello professor' }).waitFor();
  await student.locator('#read-mark', { hasText: 'Read' }).waitFor();
  await professor.getByLabel('Message').pressSequentially('Hello Kim', { delay: 10 });
  await student.locator('#typing', { hasText: 'typing' }).waitFor();
  await professor.getByLabel('Message').press('Enter');
  await student.locator('#messages li', { hasText: 'Hello Kim' }).waitFor();
  await student.locator('#chat-status', { hasText: 'IN_PROGRESS' }).waitFor();
  await student.screenshot({ path: SCREENSHOT });

  await student.getByRole('button', { name: 'End consultation' }).click();
  await professor.locator('#chat-status', { hasText: 'COMPLETED' }).waitFor();
  // The archive is written by the worker; reopening the room shows the download once it is there.
  const download = professor.getByRole('button', { name: 'Download archive' });
  for (let i = 0; i < 100 && !(await download.isVisible()); i++) {
    await room(professor, 'Midterm question').click();
    await professor.waitForTimeout(100);
  }
  await download.click();
  const text = await professor.waitForFunction(() => (globalThis as unknown as { officeHoursArchiveText?: string }).officeHoursArchiveText);
  const archive = (await text.jsonValue()) as string;
  expect(archive).toContain('Kim (STUDENT): Hello professor');
  expect(archive).toContain('Prof. Lee (PROFESSOR): Hello Kim');
  expect(pageErrors).toEqual([]);
}, 90_000);
