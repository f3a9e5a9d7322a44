import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DEFAULT_CONTENT_TYPE_ALIASES,
  DEFAULT_CONTENT_TYPES,
  resolveSettings,
  settingsFromEnvironment,
  handlerSettingsJson,
} from '../../lambdas/shared/settings';
import { verifyContent } from '../../lambdas/shared/verification';
import { createUploadsHandler } from '../../lambdas/uploads';
import { aContext, anApiEvent, anUploadRequest, answerOf, stsCredentials, testDependencies } from '../builders';
import { M4A_BYTES, PNG_BYTES } from '../e2e/file-bytes';

const sts = mockClient(STSClient);
let logs: jest.SpyInstance;

beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logs.mockRestore());

describe('the contentTypeAliases setting', () => {
  it('defaults to aliases of default allowed types only, Chromium’s m4a and heif among them', () => {
    const { contentTypeAliases } = resolveSettings();

    expect(contentTypeAliases).toMatchObject({ 'audio/x-m4a': 'audio/mp4', 'image/heif': 'image/heic', 'image/jpg': 'image/jpeg' });
    expect(Object.values(contentTypeAliases).filter((target) => !Object.hasOwn(DEFAULT_CONTENT_TYPES, target))).toEqual([]);
    expect(Object.keys(contentTypeAliases).filter((alias) => Object.hasOwn(DEFAULT_CONTENT_TYPES, alias))).toEqual([]);
  });

  it('drops the default aliases of types a custom allow-list leaves out', () => {
    const settings = resolveSettings({ allowedContentTypes: { 'image/jpeg': ['jpg'] } });

    expect(settings.contentTypeAliases).toEqual({ 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' });
  });

  it('drops a default alias a custom allow-list allows as a type of its own', () => {
    const settings = resolveSettings({ allowedContentTypes: { 'image/heic': ['heic'], 'image/heif': ['heif'] } });

    expect(settings.contentTypeAliases).toEqual({});
  });

  it('survives the trip through a function’s environment', () => {
    const settings = resolveSettings({ contentTypeAliases: { 'image/x-citrix-png': 'image/png' } });

    expect(settingsFromEnvironment({ FILE_SERVICE_SETTINGS: handlerSettingsJson(settings) }).contentTypeAliases).toEqual({
      'image/x-citrix-png': 'image/png',
    });
  });

  it.each([
    ['an alias of a type that is not allowed', { 'text/x-html': 'text/html' }, /every alias must name a type of allowedContentTypes/],
    ['an alias that is an allowed type itself', { 'video/mp4': 'audio/mp4' }, /must not itself be a type of allowedContentTypes/],
    ['an upper-case alias', { 'Audio/X-M4A': 'audio/mp4' }, /lower-case type\/subtype/],
  ])('refuses %s', (_, contentTypeAliases, message) => {
    expect(() => resolveSettings({ contentTypeAliases })).toThrow(message);
  });

  it('lists only aliases whose target is a default allowed type', () => {
    expect(Object.values(DEFAULT_CONTENT_TYPE_ALIASES).every((target) => Object.hasOwn(DEFAULT_CONTENT_TYPES, target))).toBe(true);
  });
});

describe('POST /uploads with an alias', () => {
  async function upload(body: unknown) {
    const dependencies = testDependencies();
    const answer = answerOf(await createUploadsHandler(dependencies)(anApiEvent({ routeKey: 'POST /uploads', body }), aContext));
    return { ...answer, records: dependencies.records.records };
  }

  it.each([
    ['audio/x-m4a', 'song.m4a', 'audio/mp4'],
    ['image/heif', 'IMG_0001.HEIC', 'image/heic'],
    [' Image/JPG ', 'photo.jpeg', 'image/jpeg'],
  ])('accepts %s and records and signs the allowed type', async (contentType, filename, canonical) => {
    const { status, body, records } = await upload(anUploadRequest({ contentType, filename }));

    expect(status).toBe(200);
    expect(body.headers['content-type']).toBe(canonical);
    expect(records.get(body.id)?.contentType).toBe(canonical);
  });

  it('still wants an extension of the allowed type, named in the error', async () => {
    const { status, body } = await upload(anUploadRequest({ contentType: 'audio/x-m4a', filename: 'song.mp3' }));

    expect(status).toBe(415);
    expect(body.error).toMatchObject({ code: 'TYPE_MISMATCH', message: 'A audio/mp4 file name must end in .m4a.' });
  });
});

describe('verifyContent with aliases', () => {
  const facts = (head: Uint8Array, declaredType: string, declaredTypeAliases?: string[]) => ({
    head,
    declaredType,
    declaredTypeAliases,
    storedSize: head.length,
    declaredSize: head.length,
  });

  it('accepts M4A bytes, which file-type names audio/x-m4a, declared as audio/mp4', async () => {
    expect(await verifyContent(facts(M4A_BYTES, 'audio/mp4'))).toEqual({ status: 'available' });
  });

  it('accepts bytes file-type names by a configured alias of the declared type, and only then', async () => {
    expect(await verifyContent(facts(PNG_BYTES, 'image/apng'))).toEqual({ status: 'rejected', reason: 'TYPE_MISMATCH' });
    expect(await verifyContent(facts(PNG_BYTES, 'image/apng', ['image/png']))).toEqual({ status: 'available' });
  });
});
