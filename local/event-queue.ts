/**
 * The SQS queue between EventBridge and the verifier, in process: messages are delivered in
 * batches as the SQS event Lambda's event source mapping sends, at least once; the messages a
 * batch reports failed (`batchItemFailures`), or all of them when the handler throws, are
 * delivered again after a delay, and dead-lettered after `maxReceives`, as the deployed queue does.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A Lambda handler of SQS batches. */
export type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** How the queue delivers. */
export interface LocalQueueOptions {
  readonly handler: QueueHandler;
  /** The Lambda context each invocation gets. */
  readonly context: () => Context;
  readonly queueArn: string;
  readonly region: string;
  /** @default 10, the verifier's batch size */
  readonly batchSize?: number;
  /** Receives before a message is dead-lettered. @default 5, as deployed */
  readonly maxReceives?: number;
  /** Delay before a failed message is visible again (the deployed visibility timeout, shortened). @default 250 */
  readonly retryDelayMs?: number;
}

/** A running local queue. */
export interface LocalQueue {
  /** Sends one message (its body, as SQS carries it). */
  send(body: string): void;
  /** Resolves once every message sent so far is delivered successfully or dead-lettered. */
  idle(): Promise<void>;
  /** Bodies of the messages that failed `maxReceives` times. */
  readonly deadLetters: readonly string[];
  stop(): Promise<void>;
}

interface Message {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  receives: number;
}

/** Starts delivering. */
export function startLocalQueue(options: LocalQueueOptions): LocalQueue {
  const batchSize = options.batchSize ?? 10;
  const maxReceives = options.maxReceives ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const visible: Message[] = [];
  const deadLetters: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let stopped = false;
  let waiting: (() => void)[] = [];

  const settleIfIdle = () => {
    if (visible.length > 0 || inFlight > 0 || timers.size > 0) return;
    for (const resolve of waiting.splice(0)) resolve();
  };

  const pump = () => {
    if (stopped) return;
    while (visible.length > 0) {
      const batch = visible.splice(0, batchSize);
      inFlight += 1;
      void deliver(batch).finally(() => {
        inFlight -= 1;
        settleIfIdle();
      });
    }
  };

  const deliver = async (batch: Message[]) => {
    for (const message of batch) message.receives += 1;
    let failedIds: Set<string>;
    try {
      const answer = await options.handler({ Records: batch.map((message) => sqsRecord(options, message)) }, options.context());
      failedIds = new Set((answer?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      failedIds = new Set(batch.map((message) => message.id));
    }
    for (const message of batch.filter(({ id }) => failedIds.has(id))) {
      if (message.receives >= maxReceives) {
        deadLetters.push(message.body);
        continue;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        visible.push(message);
        pump();
        settleIfIdle();
      }, retryDelayMs);
      timers.add(timer);
    }
  };

  return {
    send(body) {
      if (stopped) return;
      visible.push({ id: randomUUID(), body, sentAt: Date.now(), receives: 0 });
      // Delivered after the current request is answered, as S3's events are.
      setImmediate(pump);
    },
    idle() {
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        setImmediate(settleIfIdle);
      });
    },
    deadLetters,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      visible.length = 0;
      while (inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const resolve of waiting.splice(0)) resolve();
      waiting = [];
    },
  };
}

function sqsRecord(options: LocalQueueOptions, message: Message): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: `${message.id}#${message.receives}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receives),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}
