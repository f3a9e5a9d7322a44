/**
 * EventBridge for local mode: the S3 emulator's object events (s3rver emits them in the shape of
 * S3's own bucket notifications), reshaped exactly as EventBridge delivers S3 events, filtered
 * as the deployed rule filters them (our bucket, keys under `users/`), and sent to the queue.
 */
import { randomUUID } from 'node:crypto';
import { USERS_PREFIX } from '../lambdas/shared/keys';
import { OBJECT_EVENT_TYPES, type EventBridgeObjectEvent } from '../lambdas/shared/object-events';

/** One record of s3rver's `event`: S3's notification format. */
export interface S3rverEventRecord {
  readonly eventTime: string;
  readonly eventName: string;
  readonly requestParameters?: { readonly sourceIPAddress?: string };
  readonly responseElements?: Readonly<Record<string, string>>;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer?: string };
  };
}

const REASONS: Readonly<Record<string, string>> = {
  'ObjectCreated:Put': 'PutObject',
  // s3rver names a completed multipart upload as a POST.
  'ObjectCreated:Post': 'CompleteMultipartUpload',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectRemoved:Delete': 'DeleteObject',
};

/** Turns s3rver's events into EventBridge events for one bucket; `nextSequencer` orders them. */
export function eventBridgeEvents(
  notification: { readonly Records?: readonly S3rverEventRecord[] },
  options: { readonly bucket: string; readonly region: string; readonly nextSequencer: () => string },
): EventBridgeObjectEvent[] {
  return (notification.Records ?? []).flatMap((record): EventBridgeObjectEvent[] => {
    const { bucket, object } = record.s3;
    const reason = REASONS[record.eventName];
    if (!reason || bucket.name !== options.bucket || !object.key.startsWith(USERS_PREFIX)) return [];
    const created = record.eventName.startsWith('ObjectCreated:');
    return [
      {
        version: '0',
        id: randomUUID(),
        'detail-type': created ? OBJECT_EVENT_TYPES.created : OBJECT_EVENT_TYPES.deleted,
        source: 'aws.s3',
        account: '000000000000',
        // EventBridge gives the time to the second.
        time: `${record.eventTime.slice(0, 19)}Z`,
        region: options.region,
        resources: [`arn:aws:s3:::${bucket.name}`],
        detail: {
          bucket: { name: bucket.name },
          object: {
            key: object.key,
            ...(created && object.size !== undefined && { size: Number(object.size) }),
            ...(created && object.eTag && { etag: object.eTag }),
            sequencer: options.nextSequencer(),
          },
          reason,
          // What the deployed, versioned bucket reports for a delete (the emulator keeps no versions).
          ...(!created && { 'deletion-type': 'Delete Marker Created' }),
        },
      },
    ];
  });
}

/**
 * S3's sequencers grow with each event of a key. s3rver's are milliseconds, equal for two events
 * in one millisecond; these are microseconds that never repeat, fixed width, so they still
 * grow across restarts.
 */
export function monotonicSequencer(now: () => number = Date.now): () => string {
  let last = 0;
  return () => {
    last = Math.max(last + 1, now() * 1000);
    return last.toString(16).toUpperCase().padStart(16, '0');
  };
}
