import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendHeadRequest } from '../../../lambdas/shared/object-head';

/** A loopback server that records each request and answers it with `answer`. */
async function serving(answer: (response: http.ServerResponse) => void) {
  const requests: { method?: string; url?: string }[] = [];
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method, url: request.url });
    answer(response);
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

describe('sendHeadRequest', () => {
  it('sends a HEAD to the URL as given and answers the status and lower-case headers', async () => {
    const s3 = await serving((response) => response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': 5000 }).end());

    const answer = await sendHeadRequest(`${s3.url}/files/users/a/b.jpg?X-Amz-Signature=abc`, AbortSignal.timeout(1000));
    await s3.stop();

    expect(s3.requests).toEqual([{ method: 'HEAD', url: '/files/users/a/b.jpg?X-Amz-Signature=abc' }]);
    expect(answer).toEqual({ status: 200, headers: expect.objectContaining({ 'content-type': 'image/jpeg', 'content-length': '5000' }) });
  });

  it('rejects when the signal aborts before S3 answers', async () => {
    const s3 = await serving(() => undefined);

    const answer = sendHeadRequest(`${s3.url}/files/key`, AbortSignal.timeout(50));

    await expect(answer).rejects.toThrow(/abort/i);
    await s3.stop();
  });
});
