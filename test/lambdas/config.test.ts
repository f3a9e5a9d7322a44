import { createDownloadsHandler } from '../../lambdas/downloads';
import type { FileServiceSettingsInput } from '../../lambdas/shared/settings';
import { aContext, anApiEvent, answerOf, testDependencies } from '../builders';

let logs: jest.SpyInstance;
beforeEach(() => {
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logs.mockRestore());

async function config(settings?: FileServiceSettingsInput) {
  const handler = createDownloadsHandler(testDependencies({ settings }));
  return answerOf(await handler(anApiEvent({ routeKey: 'GET /config' }), aContext));
}

describe('GET /config', () => {
  it('answers the allowed types, their aliases and the size limits of the settings', async () => {
    const { status, body } = await config({
      allowedContentTypes: { 'audio/mp4': ['m4a'], 'image/png': ['png'] },
      contentTypeAliases: { 'audio/x-m4a': 'audio/mp4' },
      maxUploadBytes: 50 * 1024 * 1024,
      multipartThresholdBytes: 10 * 1024 * 1024,
    });

    expect(status).toBe(200);
    expect(body).toEqual({
      allowedContentTypes: { 'audio/mp4': ['m4a'], 'image/png': ['png'] },
      contentTypeAliases: { 'audio/x-m4a': 'audio/mp4' },
      maxUploadBytes: 50 * 1024 * 1024,
      multipartThresholdBytes: 10 * 1024 * 1024,
    });
  });

  it('carries no plan figures: those are GET /usage’s', async () => {
    const { body } = await config({ plans: { pro: { maxFileBytes: 1024 } } });

    expect(Object.keys(body).sort()).toEqual(['allowedContentTypes', 'contentTypeAliases', 'maxUploadBytes', 'multipartThresholdBytes']);
  });

  it('lets the browser, and no shared cache, keep it for a few minutes', async () => {
    const { headers } = await config();

    expect(headers).toMatchObject({ 'cache-control': 'private, max-age=300', 'content-type': 'application/json' });
  });

  it('answers 401 without a caller, like every other route', async () => {
    const handler = createDownloadsHandler(testDependencies());

    const { status } = answerOf(await handler(anApiEvent({ routeKey: 'GET /config', sub: null }), aContext));

    expect(status).toBe(401);
  });
});
