/** One upload just over the default multipart threshold (100 MiB), as a real video would go. */
import { mp4Bytes, startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(120_000);

let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode();
});
afterAll(() => local?.stop());

it('uploads 101 MiB in parts with the default limits and reads back identical bytes', async () => {
  const bytes = mp4Bytes(101 * 1024 * 1024);
  const started = performance.now();

  const uploaded = await local.client('alice').upload(bytes, { filename: 'holiday.mp4', contentType: 'video/mp4' });
  const seconds = (performance.now() - started) / 1000;
  await local.stack.events.idle();
  const { url, size } = await local.client('alice').getDownloadUrl(uploaded.id);
  const downloaded = new Uint8Array(await (await fetch(url)).arrayBuffer());

  console.info(`101 MiB multipart upload through local mode: ${seconds.toFixed(2)} s`);
  expect(uploaded.key).toBe(`users/${uploaded.key.split('/')[1]}/${uploaded.id}/holiday.mp4`);
  expect(size).toBe(bytes.length);
  expect(Buffer.compare(downloaded, bytes)).toBe(0);
});
