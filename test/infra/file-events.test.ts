import * as s3 from 'aws-cdk-lib/aws-s3';
import { resourceOf, synthesize } from './synth';

const { template } = synthesize();
const bucket = resourceOf(template, 'AWS::S3::Bucket', 'FileServiceBucketFiles');
const queue = resourceOf(template, 'AWS::SQS::Queue', 'FileServiceEventsQueue');
const deadLetters = resourceOf(template, 'AWS::SQS::Queue', 'FileServiceEventsDeadLetters');
const rule = resourceOf(template, 'AWS::Events::Rule', 'FileServiceEventsObjectChanges');
const verifier = resourceOf(template, 'AWS::Lambda::Function', 'FileServiceVerifierFunction');
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

function queuePolicyOf(queueId: string) {
  const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter(
    (policy) => JSON.stringify(policy.Properties.Queues) === JSON.stringify([{ Ref: queueId }]),
  );
  expect(policies).toHaveLength(1);
  return policies[0]?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
}

describe('object events', () => {
  it('leave the bucket through EventBridge, its only notification configuration', () => {
    expect(bucket.properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(template.findResources('Custom::S3BucketNotifications')).toEqual({});
  });

  it('refuse to synthesize when something adds a bucket notification, which would replace EventBridge', () => {
    const { app, stack } = synthesize();
    const files = stack.service.bucket;
    files.addObjectCreatedNotification({
      bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111122223333:elsewhere', type: s3.BucketNotificationDestinationType.QUEUE }),
    });

    expect(() => app.synth()).toThrow(/EventBridge only/);
  });

  it('are matched for object created and deleted, in this bucket, under users/ only', () => {
    expect(rule.properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created', 'Object Deleted'],
      detail: { bucket: { name: [{ Ref: bucket.id }] }, object: { key: [{ prefix: 'users/' }] } },
    });
    expect(rule.properties.State).toBe('ENABLED');
  });

  it('go to the queue, and to the dead-letter queue when EventBridge cannot deliver them', () => {
    expect(rule.properties.Targets).toEqual([{ Id: 'Target0', Arn: arnOf(queue.id), DeadLetterConfig: { Arn: arnOf(deadLetters.id) } }]);
  });

  it.each([
    ['the queue', queue.id],
    ['the dead-letter queue', deadLetters.id],
  ])('may be sent to %s by EventBridge for this rule only, and only over TLS by anyone', (_, queueId) => {
    expect(queuePolicyOf(queueId)).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: arnOf(queueId),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'EventBridgeSendsObjectEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arnOf(queueId),
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(rule.id) } },
      },
    ]);
  });

  it('wait in an encrypted queue whose visibility timeout is six times the verifier’s timeout', () => {
    expect(queue.properties).toMatchObject({ SqsManagedSseEnabled: true, VisibilityTimeout: 6 * (verifier.properties.Timeout as number) });
  });

  it('are parked in the dead-letter queue after five failed receives, and kept there for 14 days', () => {
    expect(queue.properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(deadLetters.id), maxReceiveCount: 5 });
    expect(deadLetters.properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('reach the verifier in batches of ten, each message reported on its own', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((mapping) => mapping.Properties);

    expect(mappings).toEqual([
      {
        EventSourceArn: arnOf(queue.id),
        FunctionName: { Ref: verifier.id },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    ]);
  });
});
