import {
  DEFAULT_LIMITS,
  limitsFromEnvironment,
  longestUrlTtlSeconds,
  resolveLimits,
  bucketCorsRule,
  MAX_URL_TTL_SECONDS,
} from '../../../lambdas/shared/limits';

describe('resolveLimits', () => {
  it('fills in secure defaults', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toMatchObject({ readAccess: 'owner', uploadUrlTtlSeconds: 600, downloadUrlTtlSeconds: 300 });
  });

  it('ignores undefined overrides', () => {
    expect(resolveLimits({ readAccess: undefined }).readAccess).toBe('owner');
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
    ['an upper-case content type', { allowedContentTypes: { 'Image/PNG': ['png'] } }, /content type/],
    ['an extension with a dot', { allowedContentTypes: { 'image/png': ['.png'] } }, /extensions/],
    ['no content types', { allowedContentTypes: {} }, /at least one/],
  ])('refuses %s', (_, overrides, message) => {
    expect(() => resolveLimits(overrides)).toThrow(message);
  });

  it('keeps every URL within the hour a role session lasts, with room for clock skew', () => {
    expect(longestUrlTtlSeconds(resolveLimits({ maxDownloadUrlTtlSeconds: MAX_URL_TTL_SECONDS }))).toBeLessThan(3600);
  });
});

describe('limitsFromEnvironment', () => {
  it('reads the limits the construct serialised', () => {
    const limits = resolveLimits({ readAccess: 'authenticated' });

    expect(limitsFromEnvironment({ FILE_SERVICE_LIMITS: JSON.stringify(limits) })).toEqual(limits);
  });

  it.each([
    ['missing', {}, /not set/],
    ['not JSON', { FILE_SERVICE_LIMITS: '{' }, /not JSON/],
    ['invalid', { FILE_SERVICE_LIMITS: '{"uploadUrlTtlSeconds":1}' }, /uploadUrlTtlSeconds/],
  ])('fails loudly when the limits are %s', (_, environment, message) => {
    expect(() => limitsFromEnvironment(environment)).toThrow(message);
  });
});

describe('bucketCorsRule', () => {
  it('lets browsers PUT with every signed header and read ETag for multipart', () => {
    const rule = bucketCorsRule(DEFAULT_LIMITS);

    expect(rule.allowedMethods).toEqual(['GET', 'HEAD', 'PUT']);
    expect(rule.allowedHeaders).toEqual(expect.arrayContaining(['content-type', 'if-none-match', 'x-amz-checksum-sha256', 'range']));
    expect(rule.exposedHeaders).toContain('etag');
  });
});
