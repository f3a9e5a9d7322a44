/**
 * The local S3: `@20minutes/s3rver` (patched where it deviates from S3) as storage, reachable
 * only through our front (s3-front.ts), which checks signatures, sessions, the synthesized IAM
 * and bucket policies, bodies, keys, CORS and ranges as S3 does. The bucket's CORS rule comes
 * from the same settings the CDK construct uses.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from '@20minutes/s3rver';
import { bucketCorsRule, type FileServiceSettings } from '../lambdas/shared/settings';
import type { LocalPolicies } from './policies';
import { startS3Front, type S3Front, type S3FrontOptions } from './s3-front';
import type { RoleSessionRecord } from './sts-stand-in';

/**
 * Local S3's administrator: the bucket owner's long-term keys, for tests and tools that look at
 * the bucket as a whole. Requests signed with them are verified but not evaluated against IAM.
 * (s3rver's well-known pair; nothing deployed knows it.)
 */
export const S3_EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running S3 emulator. */
export interface S3Emulator {
  /** Base URL, e.g. `http://127.0.0.1:4569`; buckets are addressed path-style below it. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Where it keeps objects (and multipart uploads in progress). */
  readonly directory: string;
  stop(): Promise<void>;
  /** Stops it if it runs, then starts it again on the same port with the same data: an outage and its end, for tests. */
  restart(): Promise<void>;
}

/** Where and how the emulator runs. */
export interface S3EmulatorOptions {
  /** 0 for a free one. */
  readonly port: number;
  readonly directory: string;
  readonly bucket: string;
  /** The settings its bucket's CORS rule is made from. */
  readonly settings: FileServiceSettings;
  /** The synthesized policies requests of role sessions are evaluated against. */
  readonly policies: LocalPolicies;
  /** The STS stand-in's session for an access key id. */
  readonly sessions: (accessKeyId: string) => RoleSessionRecord | undefined;
  readonly region: string;
  /** @default Date.now */
  readonly now?: () => number;
  readonly onDecision?: S3FrontOptions['onDecision'];
  /** Called with each object event, in S3's notification format (`{Records}`), across restarts. */
  readonly onObjectEvent?: (notification: { Records?: unknown[] }) => void;
}

/** Starts the emulator behind its front on 127.0.0.1; objects live under `directory` and survive restarts. */
export async function startS3Emulator(options: S3EmulatorOptions): Promise<S3Emulator> {
  fs.mkdirSync(options.directory, { recursive: true });
  // A private folder (0700) for the emulator's socket: only this user, and only through the front otherwise.
  const socketDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'local-s3-'));
  const socket = path.join(socketDirectory, 's3rver.sock');
  const frontOptions = (port: number): S3FrontOptions => ({
    port,
    upstreamSocket: socket,
    bucket: options.bucket,
    region: options.region,
    cors: bucketCorsRule(options.settings),
    policies: options.policies,
    sessions: options.sessions,
    administrator: S3_EMULATOR_CREDENTIALS,
    spoolDirectory: path.join(socketDirectory, 'incoming'),
    now: options.now ?? (() => Date.now()),
    onDecision: options.onDecision,
  });
  let server: S3rver | undefined = await runS3rver(options, socket);
  let front: S3Front | undefined;
  try {
    front = await startS3Front(frontOptions(options.port));
  } catch (error) {
    await server.close();
    throw error;
  }
  const { port } = front;
  const stop = async () => {
    await front?.stop();
    front = undefined;
    await server?.close();
    server = undefined;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: options.bucket,
    directory: options.directory,
    async stop() {
      await stop();
      fs.rmSync(socketDirectory, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      // The port it had: the handlers keep the endpoint they were started with.
      server = await runS3rver(options, socket);
      front = await startS3Front(frontOptions(port));
    },
  };
}

async function runS3rver(options: S3EmulatorOptions, socket: string): Promise<S3rver> {
  // After stop() the private folder is gone: a restart makes it again, still 0700.
  fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o700 });
  fs.rmSync(socket, { force: true });
  const server = new S3rver({
    silent: true,
    directory: options.directory,
    // Path-style only: presigned URLs name the bucket in the path, as they do for any S3-compatible endpoint.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [corsConfigurationXml(options.settings)] }],
  });
  if (options.onObjectEvent) server.on('event', options.onObjectEvent);
  await server.configureBuckets();
  server.httpServer = await server.listen(socket);
  return server;
}

/** The bucket's CORS rule as S3's XML, from the same `bucketCorsRule` the construct deploys. */
function corsConfigurationXml(settings: FileServiceSettings): string {
  const rule = bucketCorsRule(settings);
  const elements = (name: string, values: readonly string[]) => values.map((value) => `<${name}>${value}</${name}>`).join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    elements('AllowedOrigin', rule.allowedOrigins) +
    elements('AllowedMethod', rule.allowedMethods) +
    elements('AllowedHeader', rule.allowedHeaders) +
    elements('ExposeHeader', rule.exposedHeaders) +
    `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>` +
    '</CORSRule></CORSConfiguration>'
  );
}
