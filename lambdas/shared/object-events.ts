/**
 * S3's object events as EventBridge delivers them (and SQS carries them, as the message body):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html. Local mode builds the
 * same shape from the emulator's events, so the verifier reads one format everywhere.
 */
import * as v from 'valibot';

/** The detail types the verifier's rule forwards. */
export const OBJECT_EVENT_TYPES = { created: 'Object Created', deleted: 'Object Deleted' } as const;

const ObjectEventSchema = v.object({
  'detail-type': v.picklist([OBJECT_EVENT_TYPES.created, OBJECT_EVENT_TYPES.deleted]),
  source: v.literal('aws.s3'),
  time: v.string(),
  detail: v.object({
    bucket: v.object({ name: v.string() }),
    object: v.object({
      key: v.string(),
      size: v.optional(v.number()),
      etag: v.optional(v.string()),
      'version-id': v.optional(v.string()),
      sequencer: v.pipe(v.string(), v.regex(/^[0-9A-Fa-f]{1,64}$/)),
    }),
    reason: v.optional(v.string()),
    'deletion-type': v.optional(v.string()),
  }),
});

/** An S3 object event, as the verifier reads it. */
export type ObjectEvent = v.InferOutput<typeof ObjectEventSchema>;

/** The whole EventBridge event, as it is delivered: what local mode builds. */
export interface EventBridgeObjectEvent extends ObjectEvent {
  readonly version: '0';
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly resources: readonly string[];
}

/** Parses an SQS message body as an S3 object event; `undefined` when it is none. */
export function parseObjectEvent(body: string): ObjectEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const result = v.safeParse(ObjectEventSchema, json);
  return result.success ? result.output : undefined;
}
