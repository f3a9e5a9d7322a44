/**
 * The local S3: `@20minutes/s3rver`, which verifies SigV4 signatures and URL expiry like S3
 * does, with our bucket and its CORS rule made from the same limits the CDK construct uses.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import S3rver from '@20minutes/s3rver';
import { bucketCorsRule, type FileServiceSettings } from '../lambdas/shared/settings';

/** The emulator's only account: s3rver accepts requests signed with this key pair. */
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
  /** Called with each object event, in S3's notification format (`{Records}`), across restarts. */
  readonly onObjectEvent?: (notification: { Records?: unknown[] }) => void;
}

/** Starts the emulator on 127.0.0.1; objects live under `directory` and survive restarts. */
export async function startS3Emulator(options: S3EmulatorOptions): Promise<S3Emulator> {
  fs.mkdirSync(options.directory, { recursive: true });
  let server: S3rver | undefined = await runS3rver(options);
  const { port } = server.httpServer?.address() as AddressInfo;
  const stop = async () => {
    await server?.close();
    server = undefined;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: options.bucket,
    directory: options.directory,
    stop,
    async restart() {
      await stop();
      // The port it had: the handlers keep the endpoint they were started with.
      server = await runS3rver({ ...options, port });
    },
  };
}

async function runS3rver(options: S3EmulatorOptions): Promise<S3rver> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    // Path-style only: presigned URLs name the bucket in the path, as they do for any S3-compatible endpoint.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [corsConfigurationXml(options.settings)] }],
  });
  if (options.onObjectEvent) server.on('event', options.onObjectEvent);
  await server.run();
  return server;
}

/** The bucket's CORS rule as S3's XML, from the same `bucketCorsRule` the construct deploys. */
export function corsConfigurationXml(settings: FileServiceSettings): string {
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
