import type { Context, SQSEvent } from 'aws-lambda';
import { startLocalQueue, type QueueHandler } from '../../local/event-queue';

const options = { context: () => ({}) as Context, queueArn: 'arn:aws:sqs:us-east-1:000000000000:q', region: 'us-east-1', retryDelayMs: 1 };

describe('the local queue', () => {
  it('delivers each message as an SQS record, in batches of at most ten', async () => {
    const batches: SQSEvent[] = [];
    const queue = startLocalQueue({ ...options, handler: async (event) => void batches.push(event) });

    for (let index = 0; index < 12; index += 1) queue.send(`{"n":${index}}`);
    await queue.idle();
    await queue.stop();

    expect(batches.map((batch) => batch.Records.length)).toEqual([10, 2]);
    expect(batches[0]?.Records[0]).toMatchObject({ body: '{"n":0}', eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } });
  });

  it('delivers again only the messages a batch reports failed, then dead-letters them after five receives', async () => {
    const received: string[] = [];
    const handler: QueueHandler = async (event) => {
      for (const record of event.Records) received.push(`${record.body}#${record.attributes.ApproximateReceiveCount}`);
      return {
        batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({
          itemIdentifier: record.messageId,
        })),
      };
    };
    const queue = startLocalQueue({ ...options, handler });

    queue.send('fine');
    queue.send('poison');
    await queue.idle();
    await queue.stop();

    expect(received.filter((entry) => entry.startsWith('fine'))).toEqual(['fine#1']);
    expect(received.filter((entry) => entry.startsWith('poison'))).toEqual(['poison#1', 'poison#2', 'poison#3', 'poison#4', 'poison#5']);
    expect(queue.deadLetters).toEqual(['poison']);
  });

  it('delivers the whole batch again when the handler throws', async () => {
    let calls = 0;
    const queue = startLocalQueue({
      ...options,
      handler: async () => {
        calls += 1;
        if (calls === 1) throw new Error('cold start failed');
      },
    });

    queue.send('a');
    await queue.idle();
    await queue.stop();

    expect(calls).toBe(2);
    expect(queue.deadLetters).toEqual([]);
  });
});
