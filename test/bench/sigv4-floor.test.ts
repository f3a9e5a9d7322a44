/**
 * The benchmark's floor (`bench/sigv4-floor.mjs`, a plain Node.js module) must be a real
 * presign: the very URL our signer gives for the same request, or its timings mean nothing.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createObjectUrlSigner, type ObjectRequest } from '../../lambdas/shared/object-urls';
import type { RoleSession } from '../../lambdas/shared/role-sessions';
import { NOW, TEST_LOCATION, aKey } from '../builders';

const session: RoleSession = {
  userId: 'u',
  credentials: { accessKeyId: 'ASIAEXAMPLETESTONLY', secretAccessKey: 'secret', sessionToken: 'token/with+odd=chars' },
  expiresAt: NOW + 3_600_000,
};

/** The floor's URL for a request, from a child `node` (jest runs CommonJS; the floor is an ES module). */
function floorUrl(request: ObjectRequest, expiresIn: number): string {
  const floor = pathToFileURL(path.join(__dirname, '..', '..', 'bench', 'sigv4-floor.mjs')).href;
  const script = `
    const { createFloorPresigner } = await import(${JSON.stringify(floor)});
    const { region, credentials, request, host, expiresIn, signedAt } = JSON.parse(process.env.INPUT);
    process.stdout.write(createFloorPresigner({ region, credentials }).presign({ ...request, host, expiresIn, signedAt: new Date(signedAt) }));`;
  const input = {
    region: TEST_LOCATION.region,
    credentials: session.credentials,
    request,
    host: `${TEST_LOCATION.bucket}.s3.${TEST_LOCATION.region}.amazonaws.com`,
    expiresIn,
    signedAt: NOW,
  };
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { INPUT: JSON.stringify(input) }, encoding: 'utf8' });
}

describe('the benchmark floor presign', () => {
  const signer = createObjectUrlSigner(TEST_LOCATION, () => NOW);

  it.each<[string, ObjectRequest]>([
    [
      'an upload PUT with signed headers',
      {
        method: 'PUT',
        key: aKey(undefined, 'Holiday photo (1).jpg'),
        headers: {
          'content-type': 'image/jpeg',
          'content-length': '1234',
          'if-none-match': '*',
          'x-amz-meta-filename': 'Holiday%20photo.jpg',
        },
      },
    ],
    [
      'a download GET with a signed Content-Disposition',
      { method: 'GET', key: aKey(), query: { 'response-content-disposition': `attachment; filename="a.jpg"; filename*=UTF-8''a%20b.jpg` } },
    ],
  ])('signs %s exactly as our signer does', async (_, request) => {
    const ours = await signer.presign(session, request, 600);

    expect(floorUrl(request, 600)).toBe(ours.url);
  });
});
