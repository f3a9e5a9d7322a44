import { createObjectUrlSigner } from '../../../lambdas/shared/object-urls';
import type { RoleSession } from '../../../lambdas/shared/role-sessions';
import { ALICE, NOW, aKey } from '../../builders';

const session: RoleSession = {
  userId: ALICE,
  credentials: { accessKeyId: 'ASIAEXAMPLETESTONLY', secretAccessKey: 'secret', sessionToken: 'token' },
  expiresAt: NOW + 3_600_000,
};

describe('createObjectUrlSigner', () => {
  it('signs virtual-hosted AWS URLs with the session token and a fixed date', async () => {
    const signer = createObjectUrlSigner({ bucket: 'files', region: 'eu-west-1', urlSuffix: 'amazonaws.com' }, () => NOW);

    const { url, expiresAt } = await signer.presign(session, { method: 'GET', key: aKey() }, 300);

    const parsed = new URL(url);
    expect(parsed.origin).toBe('https://files.s3.eu-west-1.amazonaws.com');
    expect(parsed.pathname).toBe(`/${aKey()}`);
    expect(Object.fromEntries(parsed.searchParams)).toMatchObject({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'ASIAEXAMPLETESTONLY/20261123/eu-west-1/s3/aws4_request',
      'X-Amz-Date': '20261123T100000Z',
      'X-Amz-Expires': '300',
      'X-Amz-Security-Token': 'token',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(expiresAt).toBe(NOW + 300_000);
  });

  it('signs for the partition the bucket is in: amazonaws.com.cn in China', async () => {
    const signer = createObjectUrlSigner({ bucket: 'files', region: 'cn-north-1', urlSuffix: 'amazonaws.com.cn' }, () => NOW);

    const { url } = await signer.presign(session, { method: 'GET', key: aKey() }, 300);

    expect(new URL(url).origin).toBe('https://files.s3.cn-north-1.amazonaws.com.cn');
    expect(new URL(url).searchParams.get('X-Amz-Credential')).toBe('ASIAEXAMPLETESTONLY/20261123/cn-north-1/s3/aws4_request');
  });

  it('refuses to guess the domain of a bucket on AWS', async () => {
    const signer = createObjectUrlSigner({ bucket: 'files', region: 'cn-north-1' }, () => NOW);

    await expect(signer.presign(session, { method: 'GET', key: aKey() }, 300)).rejects.toThrow(/URL suffix/);
  });

  it('signs path-style URLs for an S3-compatible endpoint', async () => {
    const signer = createObjectUrlSigner({ bucket: 'files', region: 'us-east-1', endpoint: 'http://127.0.0.1:4569' });

    const { url } = await signer.presign(session, { method: 'HEAD', key: aKey() }, 60);

    expect(url.startsWith(`http://127.0.0.1:4569/files/${aKey()}?`)).toBe(true);
  });

  it('signs query parameters, encoding them the way SigV4 canonicalises them', async () => {
    const signer = createObjectUrlSigner({ bucket: 'files', region: 'eu-west-1', urlSuffix: 'amazonaws.com' }, () => NOW);
    const disposition = `attachment; filename="a.jpg"; filename*=UTF-8''%C3%A9t%C3%A9%20%28x%29.jpg`;

    const { url } = await signer.presign(
      session,
      { method: 'GET', key: aKey(), query: { 'response-content-disposition': disposition } },
      60,
    );

    expect(new URL(url).searchParams.get('response-content-disposition')).toBe(disposition);
    expect(url).toContain('response-content-disposition=attachment%3B%20filename%3D%22a.jpg%22%3B%20filename%2A%3DUTF-8%27%27');
  });

  it('never signs a URL that outlives the credentials', async () => {
    const signer = createObjectUrlSigner({ bucket: 'files', region: 'eu-west-1', urlSuffix: 'amazonaws.com' }, () => NOW);

    const { url, expiresAt, expiresIn } = await signer.presign(
      { ...session, expiresAt: NOW + 90_500 },
      { method: 'GET', key: aKey() },
      600,
    );

    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('90');
    expect(expiresAt).toBe(NOW + 90_000);
    expect(expiresIn).toBe(90);
  });
});
