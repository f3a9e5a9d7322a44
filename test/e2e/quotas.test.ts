/**
 * The storage quota and the rate windows over real HTTP in local mode: exact at the edge under
 * concurrency, the plan of the caller's Cognito group applied, and room released by deletes and
 * rejected uploads.
 */
import { FileApiError } from '../../client';
import { EXE_BYTES, PNG_BYTES } from './file-bytes';
import { startTestLocalMode, type TestLocalMode } from './local-mode';
import { jumpWallClock } from './wall-clock';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const N = 4;
const PRO_FILES = 8;
const DOWNLOADS_PER_MINUTE = 5;
let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode({
    multipartThresholdBytes: 5 * MiB,
    defaultPlan: { maxFiles: N, maxPendingUploads: 100, uploadUrlsPerMinute: 1000, downloadUrlsPerMinute: DOWNLOADS_PER_MINUTE },
    plans: { pro: { maxFiles: PRO_FILES, maxPendingUploads: 100, uploadUrlsPerMinute: 1000 } },
  });
});
afterAll(async () => {
  jest.useRealTimers();
  await local?.stop();
});

async function upload(user: 'alice' | 'bob', size = PNG_BYTES.length) {
  return local.api('POST', '/uploads', { token: await local.token(user), body: { filename: 'photo.png', contentType: 'image/png', size } });
}

async function usage(user: 'alice' | 'bob') {
  return (await local.api('GET', '/usage', { token: await local.token(user) })).body;
}

describe('the storage quota over HTTP', () => {
  it("releases an aborted multipart upload's reservation", async () => {
    const bob = await local.token('bob');
    const started = await local.api('POST', '/uploads', {
      token: bob,
      body: { filename: 'film.mp4', contentType: 'video/mp4', size: 6 * MiB },
    });
    expect(started.status).toBe(200);
    expect(await usage('bob')).toMatchObject({ files: 1, pendingUploads: 1, reservedBytes: 6 * MiB });

    const aborted = await local.api('DELETE', `/uploads/${(started.body as { id: string }).id}`, { token: bob });

    expect(aborted.status).toBe(204);
    expect(await usage('bob')).toMatchObject({ files: 0, pendingUploads: 0, reservedBytes: 0, usedBytes: 0 });
  });

  it(`issues exactly ${N} of ${5 * N} concurrent upload URLs to alice (maxFiles ${N}) and ${PRO_FILES} of ${5 * PRO_FILES} to bob (plan pro); the rest are 403 QUOTA_EXCEEDED with the figures`, async () => {
    await Promise.all([local.token('alice'), local.token('bob')]);
    const [alices, bobs] = await Promise.all([
      Promise.all(Array.from({ length: 5 * N }, () => upload('alice'))),
      Promise.all(Array.from({ length: 5 * PRO_FILES }, () => upload('bob'))),
    ]);

    expect(alices.filter(({ status }) => status === 200)).toHaveLength(N);
    expect(bobs.filter(({ status }) => status === 200)).toHaveLength(PRO_FILES);
    const refused = [...alices, ...bobs].filter(({ status }) => status !== 200);
    expect(refused).toHaveLength(4 * N + 4 * PRO_FILES);
    for (const { status, body } of refused) {
      expect(status).toBe(403);
      expect(body.error).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        quota: { usedBytes: 0, files: expect.any(Number), maxFiles: expect.any(Number) },
      });
    }
    expect(alices.find(({ status }) => status === 403)?.body.error.quota).toEqual({
      usedBytes: 0,
      reservedBytes: N * PNG_BYTES.length,
      quotaBytes: 10 * 2 ** 30,
      files: N,
      maxFiles: N,
    });
    expect(await usage('alice')).toMatchObject({
      plan: 'default',
      files: N,
      maxFiles: N,
      pendingUploads: N,
      reservedBytes: N * PNG_BYTES.length,
    });
    expect(await usage('bob')).toMatchObject({
      plan: 'pro',
      files: PRO_FILES,
      maxFiles: PRO_FILES,
      // The windows are the wall clock's minutes: the storm may straddle one, so `remaining` is not asserted.
      rate: { upload: { limit: 1000, resetAt: expect.any(String) }, download: { limit: 300, remaining: 300 } },
    });
  });

  it('frees a file of room when one is deleted, and when a rejected upload is decided', async () => {
    const alice = await local.token('alice');
    const { files } = (await local.api('GET', '/files', { token: alice })).body as { files: { id: string }[] };
    await Promise.all(files.slice(0, 2).map(({ id }) => local.api('DELETE', `/files/${id}`, { token: alice })));
    expect(await usage('alice')).toMatchObject({ files: N - 2, pendingUploads: N - 2 });

    const good = (await upload('alice')).body as { url: string; headers: Record<string, string> };
    const bad = (await upload('alice', EXE_BYTES.length)).body as { url: string; headers: Record<string, string> };
    expect((await upload('alice')).status).toBe(403);
    await fetch(good.url, { method: 'PUT', headers: good.headers, body: new Uint8Array(PNG_BYTES) });
    await fetch(bad.url, { method: 'PUT', headers: bad.headers, body: new Uint8Array(EXE_BYTES) });
    await local.stack.events.idle();

    expect(await usage('alice')).toMatchObject({
      files: N - 1,
      pendingUploads: N - 2,
      usedBytes: PNG_BYTES.length,
      reservedBytes: (N - 2) * PNG_BYTES.length,
    });
    expect((await upload('alice')).status).toBe(200);
  });

  it("gives the client's usage() the caller's figures, and its upload over the quota a FileApiError QUOTA_EXCEEDED with them", async () => {
    const client = local.client('alice');
    const figures = await client.usage();
    expect(figures).toEqual(await usage('alice'));
    expect(figures).toMatchObject({ plan: 'default', maxFiles: N });
    for (let room = figures.maxFiles - figures.files; room > 0; room -= 1) expect((await upload('alice')).status).toBe(200);

    const refused: unknown = await client
      .upload(new Uint8Array(PNG_BYTES), { filename: 'one-more.png', contentType: 'image/png' })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(FileApiError);
    expect(refused).toMatchObject({ status: 403, code: 'QUOTA_EXCEEDED', quota: { files: N, maxFiles: N } });
  });
});

describe('the rate window over HTTP', () => {
  it(`signs exactly ${DOWNLOADS_PER_MINUTE} of ${5 * DOWNLOADS_PER_MINUTE} concurrent download URLs in one window (downloadUrlsPerMinute ${DOWNLOADS_PER_MINUTE}); the rest are 429 RATE_LIMITED with Retry-After and the RateLimit headers`, async () => {
    const alice = await local.token('alice');
    const { files } = (await local.api('GET', '/files?status=available', { token: alice })).body as { files: { id: string }[] };
    const file = files[0];
    if (!file) throw new Error('the quota tests leave alice an available file');
    // Windows are the wall clock's minutes: the storm starts at the top of one, so it cannot straddle two.
    jumpWallClock(60_000 - (Date.now() % 60_000) + 100);

    const answers = await Promise.all(
      Array.from({ length: 5 * DOWNLOADS_PER_MINUTE }, () =>
        fetch(`${local.apiUrl}/downloads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: file.id }),
        }),
      ),
    );

    expect(answers.filter(({ status }) => status === 200)).toHaveLength(DOWNLOADS_PER_MINUTE);
    const refused = answers.filter(({ status }) => status !== 200);
    expect(refused).toHaveLength(4 * DOWNLOADS_PER_MINUTE);
    for (const answer of refused) {
      const retryAfter = Number(answer.headers.get('retry-after'));
      expect(answer.status).toBe(429);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(answer.headers.get('ratelimit-policy')).toBe(`"download";q=${DOWNLOADS_PER_MINUTE};w=60`);
      expect(answer.headers.get('ratelimit')).toBe(`"download";r=0;t=${retryAfter}`);
      expect(((await answer.json()) as { error: unknown }).error).toMatchObject({ code: 'RATE_LIMITED', retryAfter });
    }
  });
});
