/**
 * Section 4: URL requests over HTTP against local mode on loopback (`bench/local-api.mjs`, in
 * its own process), driven by autocannon at a few concurrency levels, each for a bounded time.
 * What it measures is the whole local path: JWT check, the API Gateway stand-in, the handler,
 * a record written to the file table (dynalite) per upload, read from it per download. Every answer must be a 2xx.
 */
import autocannon from 'autocannon';
import { startFreshProcess } from './fresh-process.mjs';

/** Runs `connections` × (upload, download) for `seconds` each, after a short warm-up of each route. */
export async function measureHttpLoad({ connections, seconds }) {
  const server = startFreshProcess('local-api.mjs', {
    tsx: true,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const { apiUrl, token, uploaderTokens, downloadId, stsCallsBefore } = await server.nextMessage();
  // Each connection's uploads as a user of its own (autocannon's context is per connection): a plan bounds one user's pending uploads.
  let connectionsSeen = 0;
  const asUploader = (request, context) => {
    context.token ??= uploaderTokens[connectionsSeen++ % uploaderTokens.length];
    return { ...request, headers: { ...request.headers, authorization: `Bearer ${context.token}` } };
  };
  const routes = [
    {
      route: 'POST /uploads',
      path: '/uploads',
      body: { filename: 'Holiday photo.jpg', contentType: 'image/jpeg', size: 1234 },
      setupRequest: asUploader,
    },
    { route: 'POST /downloads', path: '/downloads', body: { id: downloadId } },
  ];
  const rows = [];
  try {
    for (const { route, path, body, setupRequest } of routes) {
      const load = (level, duration) =>
        autocannon({
          url: `${apiUrl}${path}`,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          ...(setupRequest && { requests: [{ setupRequest }] }),
          connections: level,
          duration,
        });
      await load(8, 1);
      for (const level of connections) {
        const result = await load(level, seconds);
        rows.push({
          route,
          connections: level,
          urlsPerSecond: result.requests.average,
          meanMs: result.latency.mean,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
        });
      }
    }
  } finally {
    server.send('stop');
  }
  const { stsCalls } = await server.nextMessage();
  await server.exited;
  return { seconds, rows, stsCallsDuringLoad: stsCalls - stsCallsBefore };
}
