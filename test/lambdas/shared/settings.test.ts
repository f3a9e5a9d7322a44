import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  apiCorsRule,
  bucketCorsRule,
  defaultSettings,
  handlerSettingsJson,
  longestUrlTtlSeconds,
  resolveSettings,
  SETTING_NAMES,
  settingReasons,
  settingsFromContext,
  settingsFromEnvironment,
} from '../../../lambdas/shared/settings';

describe('resolveSettings', () => {
  it('fills in secure defaults', () => {
    expect(resolveSettings()).toMatchObject({
      readAccess: 'owner',
      uploadUrlTtlSeconds: 600,
      downloadUrlTtlSeconds: 300,
      allowedOrigins: ['http://localhost:3000'],
      removalPolicy: 'retain',
    });
  });

  it('ignores undefined fields, as optional props pass them', () => {
    expect(resolveSettings({ readAccess: undefined }).readAccess).toBe('owner');
  });

  it('keeps what is set', () => {
    expect(resolveSettings({ readAccess: 'authenticated', throttleRateLimit: 5 })).toMatchObject({
      readAccess: 'authenticated',
      throttleRateLimit: 5,
    });
  });

  it.each([
    ['a wildcard origin', { allowedOrigins: ['*'] }, /allowedOrigins/],
    ['a plain-http origin', { allowedOrigins: ['http://example.com'] }, /allowedOrigins/],
    ['an origin with a path', { allowedOrigins: ['https://example.com/app'] }, /allowedOrigins/],
    ['an unknown read access', { readAccess: 'public' as never }, /readAccess/],
    ['a URL lifetime past the hour a role session lasts', { maxDownloadUrlTtlSeconds: 3600 }, /maxDownloadUrlTtlSeconds/],
    [
      'a default download lifetime above its maximum',
      { downloadUrlTtlSeconds: 900, maxDownloadUrlTtlSeconds: 600 },
      /downloadUrlTtlSeconds/,
    ],
    ['a size above what S3 stores', { maxUploadBytes: 6 * 1024 ** 4 }, /maxUploadBytes/],
    ['a fractional size', { maxUploadBytes: 1.5 }, /maxUploadBytes must be a whole number/],
    ['an upper-case content type', { allowedContentTypes: { 'Image/PNG': ['png'] } }, /lower-case type\/subtype/],
    ['an extension with a dot', { allowedContentTypes: { 'image/png': ['.png'] } }, /without a dot/],
    ['no content types', { allowedContentTypes: {} }, /at least one content type/],
    ['a log retention CloudWatch does not offer', { logRetentionDays: 10 as never }, /logRetentionDays must be one of/],
    ['an unknown removal policy', { removalPolicy: 'snapshot' as never }, /removalPolicy/],
    ['a setting that does not exist', { maxUploadBytez: 1 } as never, /maxUploadBytez is not a setting/],
  ])('refuses %s, naming the setting', (_, input, message) => {
    expect(() => resolveSettings(input)).toThrow(message);
  });

  it('names every problem at once', () => {
    expect(() => resolveSettings({ readAccess: 'public' as never, uploadUrlTtlSeconds: 1 })).toThrow(/readAccess.*; uploadUrlTtlSeconds/);
  });

  it('keeps the longest URL within the hour a role session lasts, with a minute for clock skew', () => {
    expect(longestUrlTtlSeconds(resolveSettings({ maxDownloadUrlTtlSeconds: 3540 }))).toBe(3540);
    expect(() => resolveSettings({ maxDownloadUrlTtlSeconds: 3541 })).toThrow(/maxDownloadUrlTtlSeconds/);
    expect(() => resolveSettings({ uploadUrlTtlSeconds: 3541 })).toThrow(/uploadUrlTtlSeconds/);
  });
});

describe('settingsFromContext', () => {
  const context = (values: Record<string, unknown>) => (name: string) => values[name];

  it('reads every setting by its own name, converting command-line strings by the default’s type', () => {
    const settings = settingsFromContext(
      context({
        maxUploadBytes: '1048576',
        allowedOrigins: 'https://app.example.com, https://admin.example.com',
        allowedContentTypes: '{"image/png":["png"]}',
        readAccess: 'authenticated',
        logRetentionDays: '30',
        malwareScanning: 'true',
        scanFailurePolicy: 'available',
      }),
    );

    expect(settings).toMatchObject({
      maxUploadBytes: 1048576,
      allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
      allowedContentTypes: { 'image/png': ['png'] },
      readAccess: 'authenticated',
      logRetentionDays: 30,
      malwareScanning: true,
      scanFailurePolicy: 'available',
    });
  });

  it('takes cdk.json’s typed values as they are and ignores context that is not a setting', () => {
    const settings = settingsFromContext(
      context({ throttleRateLimit: 50, allowedOrigins: ['https://app.example.com'], '@aws-cdk/core:flag': true }),
    );

    expect(settings).toMatchObject({ throttleRateLimit: 50, allowedOrigins: ['https://app.example.com'] });
  });

  it.each([
    ['a number that is not one', { maxUploadBytes: 'big' }, /maxUploadBytes must be a whole number/],
    ['JSON that is not JSON', { allowedContentTypes: '{' }, /Context allowedContentTypes must be JSON/],
  ])('refuses %s', (_, values, message) => {
    expect(() => settingsFromContext(context(values))).toThrow(message);
  });
});

describe('settingsFromEnvironment', () => {
  it('reads back exactly the handler settings the construct writes', () => {
    const settings = resolveSettings({ readAccess: 'authenticated', maxUploadBytes: 1000 });

    const read = settingsFromEnvironment({ FILE_SERVICE_SETTINGS: handlerSettingsJson(settings) });

    expect(read).toMatchObject({ readAccess: 'authenticated', maxUploadBytes: 1000 });
    expect(Object.keys(read)).not.toContain('allowedOrigins');
  });

  it.each([
    ['missing', {}, /not set/],
    ['not JSON', { FILE_SERVICE_SETTINGS: '{' }, /not JSON/],
    ['not an object', { FILE_SERVICE_SETTINGS: '[]' }, /must be an object/],
    ['invalid', { FILE_SERVICE_SETTINGS: '{"uploadUrlTtlSeconds":1}' }, /uploadUrlTtlSeconds/],
    ['carrying a deployment setting', { FILE_SERVICE_SETTINGS: '{"allowedOrigins":[]}' }, /allowedOrigins is not a setting/],
  ])('fails loudly when the settings are %s', (_, environment, message) => {
    expect(() => settingsFromEnvironment(environment)).toThrow(message);
  });
});

describe('CORS rules', () => {
  it('let browsers PUT to the bucket with every signed header and read ETag for multipart', () => {
    const rule = bucketCorsRule(defaultSettings());

    expect(rule.allowedMethods).toEqual(['GET', 'HEAD', 'PUT']);
    expect(rule.allowedHeaders).toEqual(expect.arrayContaining(['content-type', 'if-none-match', 'x-amz-checksum-sha256', 'range']));
    expect(rule.exposedHeaders).toContain('etag');
  });

  it('let the configured origins call the API with a bearer token', () => {
    const rule = apiCorsRule(resolveSettings({ allowedOrigins: ['https://app.example.com'] }));

    expect(rule).toMatchObject({ allowedOrigins: ['https://app.example.com'], allowedHeaders: ['authorization', 'content-type'] });
  });
});

describe("the README's configuration table", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Deploy'));
  const [settingsTable = ''] = section.split('The stack (not the construct) also reads');
  const rows = [...settingsTable.matchAll(/^\| `(\w+)` +\|/gm)].map(([, name]) => name);

  it('lists exactly the settings of the schema, in its order', () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(SETTING_NAMES);
  });

  it('has a reason for every setting in the schema', () => {
    const reasons = settingReasons();

    expect(SETTING_NAMES.filter((name) => reasons[name].length < 20)).toEqual([]);
  });
});
