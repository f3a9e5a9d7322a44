// Typings for the part of @20minutes/s3rver's API that local mode uses (the package ships none).
declare module '@20minutes/s3rver' {
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    /** Creates the configured buckets (run() does this before listening). */
    configureBuckets(): Promise<void>;
    /** Listens as `http.Server#listen` does (a port, or a Unix socket path). */
    listen(...args: unknown[]): Promise<Server>;
    close(): Promise<void>;
    httpServer?: Server;
    /** S3 notification-shaped object events (`{Records: [...]}`), emitted as each request is stored. */
    on(event: 'event', listener: (notification: { Records?: unknown[] }) => void): this;
  }
}
