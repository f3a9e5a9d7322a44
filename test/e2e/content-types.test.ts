/**
 * Browsers' own names for allowed types, over real HTTP in local mode: an alias is accepted and
 * the URL signs the allowed type, which the client sends; a missing type is found from the
 * extension with `GET /config`.
 */
import { createFileClient } from '../../client';
import { M4A_BYTES, PDF_BYTES } from './file-bytes';
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(60_000);

let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode();
});
afterAll(() => local?.stop());

const waitUntilAvailable = { intervalMs: 50 };
const freshClient = () => createFileClient({ apiUrl: local.apiUrl, getToken: () => local.token('alice') });

it('uploads a .m4a Blob typed audio/x-m4a and a .pdf with no type, both verified and available', async () => {
  const client = freshClient();

  const m4a = await client.upload(new Blob([M4A_BYTES], { type: 'audio/x-m4a' }), { filename: 'voice memo.m4a', waitUntilAvailable });
  const pdf = await client.upload(new Blob([PDF_BYTES], { type: '' }), { filename: 'invoice.pdf', waitUntilAvailable });

  expect(m4a).toMatchObject({ status: 'available', contentType: 'audio/mp4', name: 'voice memo.m4a' });
  expect(pdf).toMatchObject({ status: 'available', contentType: 'application/pdf', name: 'invoice.pdf' });
  const { url } = await client.getDownloadUrl(m4a.id);
  const downloaded = await fetch(url);
  expect(downloaded.headers.get('content-type')).toBe('audio/mp4');
  expect(new Uint8Array(await downloaded.arrayBuffer())).toEqual(new Uint8Array(M4A_BYTES));
});

it('signs the allowed type for an alias: S3 takes the PUT with it and refuses the alias', async () => {
  const request = { filename: 'IMG_0001.heic', contentType: 'image/heif', size: 5 };
  const plans = [await local.api('POST', '/uploads', { body: request }), await local.api('POST', '/uploads', { body: request })];
  const [canonical, alias] = plans.map(({ body }) => body as { url: string; headers: Record<string, string> });
  const put = (plan: { url: string; headers: Record<string, string> }, contentType: string) =>
    fetch(plan.url, { method: 'PUT', headers: { ...plan.headers, 'content-type': contentType }, body: new Uint8Array(5) });

  expect(plans.map(({ status }) => status)).toEqual([200, 200]);
  expect(canonical?.headers['content-type']).toBe('image/heic');
  expect((await put(canonical!, 'image/heic')).status).toBe(200);
  expect((await put(alias!, 'image/heif')).status).toBe(403);
});

it('answers GET /config with the allowed types and aliases, cacheable by the browser for a while', async () => {
  const response = await fetch(`${local.apiUrl}/config`, { headers: { authorization: `Bearer ${await local.token('alice')}` } });
  const config = (await response.json()) as { allowedContentTypes: Record<string, string[]>; contentTypeAliases: Record<string, string> };

  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('private, max-age=300');
  expect(config.allowedContentTypes['audio/mp4']).toEqual(['m4a']);
  expect(config.contentTypeAliases).toMatchObject({ 'audio/x-m4a': 'audio/mp4', 'image/heif': 'image/heic' });
});

it('leaves no record of a single PUT cancelled as it starts', async () => {
  const controller = new AbortController();
  const cancelling: typeof fetch = (input, init) => {
    if (init?.method === 'PUT') controller.abort();
    return fetch(input, init);
  };
  const client = createFileClient({ apiUrl: local.apiUrl, getToken: () => local.token('alice'), fetch: cancelling });

  await expect(
    client.upload(new Blob(['never sent'], { type: 'text/plain' }), { filename: 'cancelled.txt', signal: controller.signal }),
  ).rejects.toMatchObject({ code: 'ABORTED' });

  const { files } = await client.list();
  expect(files.map((file) => file.name)).not.toContain('cancelled.txt');
  expect(files.map((file) => file.name)).toContain('invoice.pdf');
});
