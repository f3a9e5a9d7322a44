/**
 * The demo page in headless Chromium against local mode: sign in, upload with progress, see
 * the file listed and displayed. A screenshot is kept in test-artifacts/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { demoFiles } from '../../local/demo-files';
import { startLocalMode, type LocalMode } from '../../local/local-mode';
import { chromiumAvailable, launchChromium } from './chromium';

jest.setTimeout(60_000);

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
const describeInBrowser = chromiumAvailable() ? describe : describe.skip;

describeInBrowser('the demo page in Chromium', () => {
  let stack: LocalMode;
  let browser: Browser;
  let page: Page;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-browser-'));

  beforeAll(async () => {
    // A small threshold, so a 12 MiB picture goes in parts, as a large video would.
    const settings = { multipartThresholdBytes: 5 * 1024 * 1024 };
    stack = await startLocalMode({ apiPort: 0, s3Port: 0, cognitoPort: 0, dynamoDbPort: 0, directory, staticFiles: demoFiles, settings });
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('signs in, uploads a multipart file with a moving progress bar, lists and displays it', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${stack.outputs.ApiUrl}/`);
    // A real picture to upload: the page itself, padded to 12 MiB after its last chunk (browsers ignore the rest).
    const screenshot = await page.screenshot({ type: 'png' });
    const picture = Buffer.concat([screenshot, Buffer.alloc(12 * 1024 * 1024 - screenshot.length)]);

    await page.fill('#password', 'Passw0rd!local');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#files:not([hidden])');
    await page.evaluate(() => {
      const progress = document.getElementById('progress') as HTMLProgressElement;
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => seen.push(progress.value)).observe(progress, { attributes: true });
    });
    // Loopback would finish in a blink: throttle uploads to ~4 MB/s so progress has something to show.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4_000_000 });
    await page.setInputFiles('#file', { name: 'Screenshot of the demo.png', mimeType: 'image/png', buffer: picture });
    await page.click('#upload');
    await page.waitForFunction(() => /^Uploaded|failed/.test(document.getElementById('status')?.textContent ?? ''));

    expect(await page.textContent('#status')).toMatch(/^Uploaded Screenshot of the demo\.png/);
    expect(await page.textContent('#percent')).toBe('100 %');
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.at(-1)).toBe(100);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen.filter((value) => value > 0 && value < 100)).size).toBeGreaterThan(2);

    await page.click('#file-list tr[data-status="available"]:has-text("Screenshot of the demo.png") button:has-text("Open")');
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#viewer img')?.naturalWidth ?? 0) > 0);
    const shown = await page.evaluate(() => (document.querySelector('#viewer img') as HTMLImageElement).naturalWidth);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo.png'), fullPage: true });

    expect(shown).toBeGreaterThan(100);
    expect(errors).toEqual([]);
  });
});
