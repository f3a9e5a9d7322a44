import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { USERS_PREFIX } from '../../lambdas/shared/keys';

/**
 * How the queue feeds its consumer. Ten messages a batch, each reported on its own
 * (`reportBatchItemFailures`), so one bad object is retried without its nine neighbours; five
 * receives before a message is parked in the dead-letter queue, where it waits two weeks (SQS's
 * longest) for someone to look and redrive it.
 */
const EVENT_QUEUE = {
  batchSize: 10,
  maxReceiveCount: 5,
  deadLetterRetentionDays: 14,
  /**
   * AWS's advice for a Lambda-fed queue: six times the function's timeout, so a message is not
   * handed to a second instance while the first is still retrying it.
   */
  visibilityTimeoutPerFunctionTimeout: 6,
} as const;

/** The EventBridge detail types of the S3 events the consumer is given. */
const OBJECT_EVENT_TYPES = ['Object Created', 'Object Deleted'] as const;

/** Properties of a `FileEvents`. */
export interface FileEventsProps {
  /** The bucket whose object events are delivered; its EventBridge notifications must be on. */
  readonly bucket: s3.IBucket;
  /** The function the events go to, through the queue. */
  readonly consumer: lambda.IFunction;
  /** The consumer's timeout, which the queue's visibility timeout follows. */
  readonly consumerTimeout: Duration;
}

/**
 * S3's object events for users' files, from EventBridge through an SQS queue to one consumer
 * (the verifier). The queue holds events while the consumer is throttled or failing, retries
 * each message on its own, and parks what keeps failing in a dead-letter queue; events
 * EventBridge cannot deliver to the queue go to that dead-letter queue too. Both queues are
 * encrypted with SQS-managed keys (EventBridge cannot send to a queue encrypted with the
 * AWS-managed KMS key, and a customer-managed key would be a monthly cost for event metadata)
 * and refuse requests without TLS.
 */
export class FileEvents extends Construct {
  /** The rule matching users' object events. */
  readonly rule: events.Rule;
  /** The queue between the rule and the consumer. */
  readonly queue: sqs.Queue;
  /** Where messages go that the consumer failed `maxReceiveCount` times, or EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FileEventsProps) {
    super(scope, id);
    const secure = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true } satisfies sqs.QueueProps;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      ...secure,
      retentionPeriod: Duration.days(EVENT_QUEUE.deadLetterRetentionDays),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...secure,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * EVENT_QUEUE.visibilityTimeoutPerFunctionTimeout),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: EVENT_QUEUE.maxReceiveCount },
    });

    this.rule = new events.Rule(this, 'ObjectChanges', {
      description: `S3 object created and deleted events under ${USERS_PREFIX} of the file bucket, for the verifier`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: [...OBJECT_EVENT_TYPES],
        detail: { bucket: { name: [props.bucket.bucketName] }, object: { key: events.Match.prefix(USERS_PREFIX) } },
      },
    });
    // Written out rather than `targets.SqsQueue`, which also grants EventBridge GetQueueAttributes and GetQueueUrl:
    // sending is all it does, to either queue, and only for this rule.
    this.rule.addTarget({ bind: () => ({ arn: this.queue.queueArn, deadLetterConfig: { arn: this.deadLetterQueue.queueArn } }) });
    for (const queue of [this.queue, this.deadLetterQueue]) {
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EventBridgeSendsObjectEvents',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
        }),
      );
    }

    props.consumer.addEventSource(new SqsEventSource(this.queue, { batchSize: EVENT_QUEUE.batchSize, reportBatchItemFailures: true }));
  }
}
