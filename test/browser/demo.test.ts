/**
 * The demo page in headless Chromium against local mode (malware scanning on, so the EICAR test
 * file is rejected): drag and drop into the upload queue, pause and resume, continuing after a
 * reload, cancel, delete with confirmation, status badges, media errors, the storage bar and
 * the expired-session prompt. Each test leaves a screenshot in test-artifacts/, named in its title.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { demoFiles } from '../../local/demo-files';
import { startLocalMode, type LocalMode } from '../../local/local-mode';
import { EICAR_TEST_FILE } from '../../local/malware-scanner';
import { chromiumAvailable, launchChromium } from './chromium';

// Generous: on a loaded 2-core machine a verified multipart upload can take tens of seconds; waits are on page state, never on time.
jest.setTimeout(120_000);

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const MiB = 1024 * 1024;
const describeInBrowser = chromiumAvailable() ? describe : describe.skip;

/** A file made in the page, so it can be dropped as a `File` in a real `DataTransfer`. */
interface PageFile {
  readonly name: string;
  readonly type: string;
  /** Text content; without it, a PNG picture drawn on a canvas. */
  readonly text?: string;
}

describeInBrowser('the demo page in Chromium', () => {
  let stack: LocalMode;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-browser-'));

  beforeAll(async () => {
    // A small threshold, so a 12 MiB file goes in parts, as a large video would.
    const settings = { multipartThresholdBytes: 5 * MiB, malwareScanning: true };
    stack = await startLocalMode({ apiPort: 0, s3Port: 0, cognitoPort: 0, dynamoDbPort: 0, directory, staticFiles: demoFiles, settings });
    browser = await launchChromium();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // Local mode synthesizes the stack's policies at start: slow on a loaded machine.
  }, 180_000);
  beforeEach(async () => {
    // A context of its own per test: its own sessionStorage and localStorage.
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(90_000);
    errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function signIn(username = 'alice'): Promise<void> {
    await page.goto(`${stack.outputs.ApiUrl}/`);
    await page.fill('#username', username);
    await page.fill('#password', 'Passw0rd!local');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#files:not([hidden])');
  }

  /** Loopback would finish in a blink: uploads at ~4 MB/s give progress and pause something to show. */
  async function throttleUploads(bytesPerSecond = 4_000_000): Promise<void> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });
  }

  /** Drops files on the drop zone as a user's drag from the desktop does: dragenter, dragover, drop, with one DataTransfer. */
  async function dropFiles(files: readonly PageFile[]): Promise<void> {
    await page.evaluate(async (specs) => {
      const transfer = new DataTransfer();
      for (const spec of specs) {
        let body: Blob;
        if (spec.text !== undefined) {
          body = new Blob([spec.text], { type: spec.type });
        } else {
          const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 200 });
          const draw = canvas.getContext('2d') as CanvasRenderingContext2D;
          draw.fillStyle = '#175cd3';
          draw.fillRect(0, 0, 320, 200);
          draw.fillStyle = '#fff';
          draw.fillText(spec.name, 20, 100);
          body = await new Promise<Blob>((resolve) => canvas.toBlob((blob) => resolve(blob as Blob), 'image/png'));
        }
        transfer.items.add(new File([body], spec.name, { type: spec.type }));
      }
      const zone = document.getElementById('drop-zone') as HTMLElement;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    }, files);
  }

  /** A file on disk, so choosing it again after a reload gives the same name, size and lastModified. */
  function fileOnDisk(name: string, bytes: number): string {
    const file = path.join(directory, name);
    // A PNG signature, so the verifier takes it for the picture it claims to be.
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    fs.writeFileSync(file, Buffer.concat([signature, Buffer.alloc(bytes - signature.length, 7)]));
    return file;
  }

  const queueRow = (name: string, state?: string) => `#queue li[data-name="${name}"]${state ? `[data-state="${state}"]` : ''}`;
  const fileRow = (name: string) => `#file-list tr:has(td:text-is("${name}"))`;
  const screenshot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

  it('queues several dropped files with their own progress and phase, then lists each verified with a thumbnail (demo-drop-queue.png)', async () => {
    await signIn();
    await dropFiles([
      { name: 'sunset.png', type: 'image/png' },
      { name: 'harbour.png', type: 'image/png' },
      { name: 'notes.txt', type: 'text/plain', text: 'meeting notes\n'.repeat(100) },
    ]);

    expect(await page.locator('#queue li').count()).toBe(3);
    for (const name of ['sunset.png', 'harbour.png', 'notes.txt']) await page.waitForSelector(queueRow(name, 'available'));
    await page.waitForFunction(
      () => [...document.querySelectorAll<HTMLImageElement>('#file-list td.thumb img')].filter((img) => img.naturalWidth > 0).length === 2,
    );
    await screenshot('demo-drop-queue.png');

    for (const name of ['sunset.png', 'harbour.png', 'notes.txt']) {
      expect(await page.locator(`${fileRow(name)} .badge`).textContent()).toBe('verified');
      expect(await page.locator(`${queueRow(name)} progress`).evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    }
    expect(await page.locator(`${fileRow('notes.txt')} td.thumb img`).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('pauses a multipart upload and resumes it to the end, the bar never going back (demo-pause-resume.png)', async () => {
    await signIn();
    await throttleUploads();
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector<HTMLProgressElement>('#queue li progress');
        if (bar) seen.push(bar.value);
      }).observe(document.getElementById('queue') as HTMLElement, { subtree: true, attributes: true, childList: true });
    });
    await page.setInputFiles('#file-input', fileOnDisk('holiday.png', 12 * MiB));
    await page.waitForFunction(() => (document.querySelector<HTMLProgressElement>('#queue li progress')?.value ?? 0) > 5);

    await page.click(`${queueRow('holiday.png')} button:text-is("Pause")`);
    await page.waitForSelector(queueRow('holiday.png', 'paused'));
    const pausedAt = await page.locator(`${queueRow('holiday.png')} progress`).evaluate((bar: HTMLProgressElement) => bar.value);
    expect(await page.locator(`${queueRow('holiday.png')} button[aria-pressed="true"]`).textContent()).toBe('Resume');
    await screenshot('demo-pause-resume.png');
    expect(await page.locator(`${queueRow('holiday.png')} .phase`).textContent()).toBe(`Paused at ${pausedAt} %.`);

    await page.click(`${queueRow('holiday.png')} button:text-is("Resume")`);
    await page.waitForSelector(queueRow('holiday.png', 'available'));
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(100);
    expect(await page.locator(`${fileRow('holiday.png')} .badge`).textContent()).toBe('verified');
    expect(await page.locator(fileRow('holiday.png')).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('continues a multipart upload after a reload from the state it kept, as the same file (demo-reload-resume.png)', async () => {
    await signIn();
    await throttleUploads();
    const file = fileOnDisk('archive-scan.png', 12 * MiB);
    await page.setInputFiles('#file-input', file);
    // Wait until S3 holds a part: what the reload must not lose.
    const { id, held } = await page.evaluate(async (apiUrl) => {
      for (;;) {
        const kept = JSON.parse(localStorage.getItem('secure-file-service.uploads') ?? '{}') as Record<string, { id: string }[]>;
        const upload = kept.alice?.[0];
        const session = JSON.parse(sessionStorage.getItem('secure-file-service.session') ?? '{}') as { tokens?: { accessToken: string } };
        if (upload && session.tokens) {
          const answer = await fetch(`${apiUrl}/uploads/${upload.id}`, {
            headers: { authorization: `Bearer ${session.tokens.accessToken}` },
          });
          const state = (await answer.json()) as { uploadedParts?: unknown[] };
          if (answer.ok && state.uploadedParts && state.uploadedParts.length > 0)
            return { id: upload.id, held: state.uploadedParts.length };
        }
        // A look every 200 ms: each is a real API request, counted against the user's rate window.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }, stack.outputs.ApiUrl);
    expect(held).toBeLessThan(3);

    await page.reload();
    await page.waitForSelector(`#interrupted:not([hidden]) li[data-id="${id}"]`);
    await screenshot('demo-reload-resume.png');
    expect(await page.textContent('#interrupted li')).toContain('archive-scan.png (12.0 MiB)');

    await page.setInputFiles(`#interrupted li[data-id="${id}"] input[type=file]`, file);
    await page.waitForSelector(queueRow('archive-scan.png', 'available'));
    expect(await page.getAttribute(queueRow('archive-scan.png'), 'data-id')).toBe(id);
    expect(await page.locator(`${fileRow('archive-scan.png')}`).getAttribute('data-id')).toBe(id);
    expect(await page.evaluate(() => localStorage.getItem('secure-file-service.uploads'))).toBe('{"alice":[]}');
    expect(await page.isHidden('#interrupted')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('cancels an upload, which then shows cancelled and never lists as a file (demo-cancel.png)', async () => {
    await signIn();
    await throttleUploads(2_000_000);
    await page.setInputFiles('#file-input', fileOnDisk('too-big-to-wait.png', 12 * MiB));
    await page.waitForFunction(() => (document.querySelector<HTMLProgressElement>('#queue li progress')?.value ?? 0) > 0);

    await page.click(`${queueRow('too-big-to-wait.png')} button:text-is("Cancel")`);
    await page.waitForSelector(queueRow('too-big-to-wait.png', 'cancelled'));
    await page.click('#reload-files');
    await page.waitForFunction(() => document.getElementById('files-error')?.textContent === '');
    await screenshot('demo-cancel.png');

    expect(await page.locator(fileRow('too-big-to-wait.png')).count()).toBe(0);
    expect(await page.locator(`${queueRow('too-big-to-wait.png')} .phase`).textContent()).toBe('Cancelled: nothing was kept.');
    await page.click(`${queueRow('too-big-to-wait.png')} button:text-is("Dismiss")`);
    expect(await page.locator('#queue li').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file-input');
    expect(errors).toEqual([]);
  });

  it('deletes a file only once confirmed: Keep keeps it, Delete removes it and moves focus on (demo-delete.png)', async () => {
    await signIn();
    await dropFiles([
      { name: 'draft.txt', type: 'text/plain', text: 'first draft\n' },
      { name: 'final.txt', type: 'text/plain', text: 'final version\n' },
    ]);
    for (const name of ['draft.txt', 'final.txt']) await page.waitForSelector(queueRow(name, 'available'));
    await page.waitForSelector(fileRow('draft.txt'));

    await page.click(`${fileRow('draft.txt')} button:text-is("Delete")`);
    await page.waitForSelector('#confirm-delete[open]');
    expect(await page.textContent('#confirm-delete-text')).toContain('“draft.txt”');
    await screenshot('demo-delete.png');
    await page.click('#confirm-delete button[value="keep"]');
    expect(await page.locator(fileRow('draft.txt')).count()).toBe(1);

    await page.click(`${fileRow('draft.txt')} button:text-is("Delete")`);
    await page.click('#confirm-delete button[value="delete"]');
    await page.waitForSelector(fileRow('draft.txt'), { state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Delete');
    await page.click('#reload-files');
    await page.waitForSelector(fileRow('final.txt'));
    expect(await page.locator(fileRow('draft.txt')).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows the EICAR test file rejected as malware, in the queue and in the list, with no Open or Download (demo-rejected.png)', async () => {
    await signIn();
    await dropFiles([{ name: 'eicar.txt', type: 'text/plain', text: `${EICAR_TEST_FILE}\r\n` }]);
    await page.waitForSelector(queueRow('eicar.txt', 'rejected'));
    await page.waitForSelector(`${fileRow('eicar.txt')}[data-status="rejected"]`);
    await screenshot('demo-rejected.png');

    expect(await page.locator(`${queueRow('eicar.txt')} .error`).textContent()).toBe('Rejected: malware found.');
    expect(await page.locator(`${fileRow('eicar.txt')} .badge.rejected`).textContent()).toBe('rejected: malware found');
    expect(await page.locator(`${fileRow('eicar.txt')} button:text-is("Open")`).isDisabled()).toBe(true);
    expect(await page.locator(`${fileRow('eicar.txt')} button:text-is("Download")`).isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('shows a video that cannot play with its media error, not an endless spinner (demo-media-error.png)', async () => {
    await signIn();
    // An MP4 file-type box and nothing playable after it: the verifier takes it for video/mp4, the browser cannot play it.
    const header = 'ftypisom';
    await dropFiles([
      {
        name: 'broken.mp4',
        type: 'video/mp4',
        text: `\u0000\u0000\u0000\u0018${header}\u0000\u0000\u0002\u0000isomiso2${'x'.repeat(4000)}`,
      },
    ]);
    await page.waitForSelector(queueRow('broken.mp4', 'available'));
    await page.click(`${fileRow('broken.mp4')} button:text-is("Open")`);
    await page.waitForSelector('#viewer[data-media-error]');
    await screenshot('demo-media-error.png');

    expect(await page.textContent('#viewer .error')).toMatch(/^This video cannot be played: /);
    expect(await page.textContent('#viewer .phase')).toBe('');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('viewer');
    expect(errors).toEqual([]);
  });

  it('shows the storage used against the plan’s quota, and it grows with an upload (demo-quota.png)', async () => {
    await signIn('bob');
    await page.waitForSelector('#usage:not([hidden])');
    const before = Number(await page.getAttribute('#usage', 'data-used-bytes'));
    await dropFiles([{ name: 'plan.txt', type: 'text/plain', text: 'x'.repeat(300_000) }]);
    await page.waitForSelector(queueRow('plan.txt', 'available'));
    await page.waitForFunction((used) => Number(document.getElementById('usage')?.dataset.usedBytes) >= used + 300_000, before);
    await screenshot('demo-quota.png');

    const quota = Number(await page.getAttribute('#usage', 'data-quota-bytes'));
    const used = Number(await page.getAttribute('#usage', 'data-used-bytes'));
    expect(used - before).toBe(300_000);
    expect(await page.locator('#usage-bar').evaluate((bar: HTMLProgressElement) => bar.value)).toBeCloseTo((used / quota) * 100, 1);
    expect(await page.textContent('#usage-text')).toMatch(/ of .* · \d+ of \d+ files · pro plan$/);
    expect(errors).toEqual([]);
  });

  it('asks to sign in again when the session cannot be renewed, then carries on (demo-session-expired.png)', async () => {
    await signIn();
    // What a day away does: the access token has expired and Cognito no longer honours the refresh token.
    // The tokens are changed from a page of the same origin without the app's script: the app, still
    // running, would write its own (valid) tokens back when a reload aborts its requests and it refreshes.
    await page.goto(`${stack.outputs.ApiUrl}/outputs.json`);
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('secure-file-service.session') ?? '{}') as { tokens: Record<string, unknown> };
      session.tokens = { ...session.tokens, accessToken: 'expired', refreshToken: 'revoked', expiresAt: 0 };
      sessionStorage.setItem('secure-file-service.session', JSON.stringify(session));
    });
    await page.goto(`${stack.outputs.ApiUrl}/`);
    await page.waitForSelector('#session-expired[open]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('session-password');
    expect(await page.textContent('#session-user')).toBe('alice');
    await screenshot('demo-session-expired.png');

    await page.fill('#session-password', 'wrong password');
    await page.click('#session-form button[type=submit]');
    await page.waitForFunction(() => /^Sign-in failed/.test(document.getElementById('session-error')?.textContent ?? ''));
    await page.fill('#session-password', 'Passw0rd!local');
    await page.click('#session-form button[type=submit]');
    await page.waitForSelector('#session-expired[open]', { state: 'detached' });
    await page.waitForSelector('#file-list tr, #no-files:not([hidden])');
    expect(await page.textContent('#files-error')).toBe('');
    expect(errors).toEqual([]);
  });
});
