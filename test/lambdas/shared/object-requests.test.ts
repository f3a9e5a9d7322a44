import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteObject } from '../../../lambdas/shared/object-requests';

/** A loopback server that records each request and answers the n-th with `answers[n]` (the first one again after that). */
async function serving(answers: [(response: http.ServerResponse) => void, ...((response: http.ServerResponse) => void)[]]) {
  const requests: { method?: string; url?: string }[] = [];
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method, url: request.url });
    (answers[requests.length - 1] ?? answers[0])(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url, requests, stop };
}

const status =
  (code: number, body = '') =>
  (response: http.ServerResponse) =>
    response.writeHead(code).end(body);
const noAnswer = () => undefined;
const dropped = (response: http.ServerResponse) => response.socket?.destroy();

describe('deleteObject', () => {
  it('sends one DELETE to the presigned URL as given and settles on 204', async () => {
    const s3 = await serving([status(204)]);

    await deleteObject(`${s3.url}/files/users/a/b.jpg?X-Amz-Signature=abc`, AbortSignal.timeout(1000));
    await s3.stop();

    expect(s3.requests).toEqual([{ method: 'DELETE', url: '/files/users/a/b.jpg?X-Amz-Signature=abc' }]);
  });

  it('tries once more after a 5xx or a dropped connection, and settles when the second attempt succeeds', async () => {
    const afterError = await serving([status(503, '<Error><Code>SlowDown</Code></Error>'), status(204)]);
    const afterDrop = await serving([dropped, status(204)]);

    await deleteObject(`${afterError.url}/files/key`, AbortSignal.timeout(2000));
    await deleteObject(`${afterDrop.url}/files/key`, AbortSignal.timeout(2000));
    await Promise.all([afterError.stop(), afterDrop.stop()]);

    expect(afterError.requests).toHaveLength(2);
    expect(afterDrop.requests).toHaveLength(2);
  });

  it('rejects a 4xx at once (S3 refused: another attempt would be refused too) and a second 5xx', async () => {
    const refused = await serving([status(403, '<Error><Code>AccessDenied</Code></Error>')]);
    const failing = await serving([status(500)]);

    await expect(deleteObject(`${refused.url}/files/key`, AbortSignal.timeout(2000))).rejects.toThrow(
      "S3 answered 403 to the object's DELETE",
    );
    await expect(deleteObject(`${failing.url}/files/key`, AbortSignal.timeout(2000))).rejects.toThrow(
      "S3 answered 500 to the object's DELETE",
    );
    await Promise.all([refused.stop(), failing.stop()]);

    expect(refused.requests).toHaveLength(1);
    expect(failing.requests).toHaveLength(2);
  });

  it('rejects without another attempt when the signal aborts before S3 answers', async () => {
    const s3 = await serving([noAnswer]);

    await expect(deleteObject(`${s3.url}/files/key`, AbortSignal.timeout(50))).rejects.toThrow(/abort/i);
    await s3.stop();

    expect(s3.requests).toHaveLength(1);
  });
});
