/**
 * Loopback stand-ins for the two AWS calls a URL request can make, so a bundle's first
 * invocation does its real work (an STS client call with XML parsing, a HEAD over HTTP) on
 * this machine: `AWS_ENDPOINT_URL_STS` and `S3_ENDPOINT` point at it.
 *
 * - `POST /` answers STS `AssumeRole` with credentials valid for an hour.
 * - `HEAD /{bucket}/{key}` answers as S3 does for an existing object, `HEAD /{bucket}` (the health
 *   check's `HeadBucket`) for an existing bucket, `DELETE /{bucket}/{key}` as for a versioned
 *   bucket's delete (no signature check: the signature is proven by the e2e tests against the
 *   emulator, not here).
 */
import * as https from 'node:https';

/** S3's answer to a HEAD of the stub object: a 1234-byte JPEG uploaded as `Holiday photo.jpg`. */
export const STUB_HEAD_HEADERS = {
  'content-length': '1234',
  'content-type': 'image/jpeg',
  'last-modified': 'Mon, 23 Nov 2026 10:00:00 GMT',
  'x-amz-meta-filename': 'Holiday%20photo.jpg',
};

/** Credentials the STS stand-in hands out, and that the benchmarks sign with. */
export const STUB_CREDENTIALS = {
  accessKeyId: 'ASIABENCHEXAMPLE',
  secretAccessKey: 'bench-secret-not-a-real-key',
  sessionToken: 'bench-session-token',
};

/** Starts the stubs over HTTPS with `tls` (`{key, cert}`, `bench/tls-certificate.mjs`) on an ephemeral loopback port; `stop()` closes them. */
export async function startAwsStubs(tls) {
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'HEAD') {
        response.writeHead(200, STUB_HEAD_HEADERS).end();
        return;
      }
      if (request.method === 'DELETE') {
        response.writeHead(204, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': 'bench-delete-marker' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/xml' }).end(assumeRoleXml(new Date(Date.now() + 3600_000)));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `https://127.0.0.1:${server.address().port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

function assumeRoleXml(expiration) {
  const { accessKeyId, secretAccessKey, sessionToken } = STUB_CREDENTIALS;
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
<AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey><SessionToken>${sessionToken}</SessionToken>
<Expiration>${expiration.toISOString()}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`;
}
