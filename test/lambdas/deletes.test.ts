import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeletesHandler } from '../../lambdas/deletes';
import { createObjectUrlSigner } from '../../lambdas/shared/object-urls';
import { ALICE, NOW, OBJECT_ID, TEST_LOCATION, aContext, aKey, anApiEvent, answerOf, testDependencies } from '../builders';
import { watchHandlerOutput } from '../handler-output';

const output = watchHandlerOutput();
/** A loopback S3 that answers every request 204 (a versioned bucket's delete) and records what it was sent. */
let s3: { server: http.Server; endpoint: string; requests: { method?: string; path: string }[] };

beforeAll(async () => {
  const requests: { method?: string; path: string }[] = [];
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method, path: new URL(request.url ?? '/', 'http://s3').pathname });
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s3 = { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
});
afterAll(async () => {
  await new Promise((resolve) => {
    s3.server.close(resolve);
    s3.server.closeAllConnections();
  });
});
beforeEach(() => {
  s3.requests.length = 0;
});

/** The test dependencies with the bucket on the loopback S3, so the presigned DELETE reaches it. */
function withLoopbackBucket() {
  const location = { ...TEST_LOCATION, endpoint: s3.endpoint };
  return { ...testDependencies(), location, signer: createObjectUrlSigner(location, () => NOW) };
}

describe('DELETE /files/{id}', () => {
  it('audits the delete by who, which file id and from where, never by its key or file name, in its one line', async () => {
    const dependencies = withLoopbackBucket();
    const key = aKey(ALICE, 'Medical-record.pdf');
    dependencies.records.records.set(OBJECT_ID, {
      id: OBJECT_ID,
      owner: ALICE,
      key,
      name: 'Medical record.pdf',
      size: 5000,
      contentType: 'application/pdf',
      createdAt: '2026-11-23T09:00:00.000Z',
      status: 'available',
      storedStatus: 'available',
    });

    const answer = answerOf(
      await createDeletesHandler(dependencies)(anApiEvent({ routeKey: 'DELETE /files/{id}', pathParameters: { id: OBJECT_ID } }), aContext),
    );

    expect(answer.status).toBe(204);
    expect(s3.requests).toEqual([{ method: 'DELETE', path: `/${TEST_LOCATION.bucket}/${key}` }]);
    const lines = output.lines();
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'file deleted',
        audit: true,
        operation: 'delete',
        userId: ALICE,
        fileId: OBJECT_ID,
        sourceIp: '203.0.113.7',
        requestId: 'req-123',
        S3Latency: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/Medical|users\//);
  });
});
