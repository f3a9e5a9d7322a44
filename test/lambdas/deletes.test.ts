import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createDeletesHandler } from '../../lambdas/deletes';
import { ALICE, OBJECT_ID, aContext, aKey, anApiEvent, answerOf, stsCredentials, testDependencies } from '../builders';
import { captureMetrics } from '../emf';

const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
let logs: jest.SpyInstance;
let emf: ReturnType<typeof captureMetrics>;

beforeEach(() => {
  sts.reset();
  s3.reset();
  sts.on(AssumeRoleCommand).resolves(stsCredentials());
  s3.on(DeleteObjectCommand).resolves({});
  logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  emf = captureMetrics();
});
afterEach(() => {
  logs.mockRestore();
  emf.restore();
});

describe('DELETE /files/{id}', () => {
  it('audits the delete by who, which file id and from where, never by its key or file name', async () => {
    const dependencies = testDependencies();
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
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.Key).toBe(key);
    const lines = [...logs.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>), ...emf.lines()];
    expect(lines.filter((line) => line.audit)).toEqual([
      expect.objectContaining({ operation: 'delete', userId: ALICE, fileId: OBJECT_ID, sourceIp: '203.0.113.7', requestId: 'req-123' }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/Medical|users\//);
  });
});
