/**
 * A simulated network on loopback: a TCP proxy that holds every chunk `oneWayMs` in each
 * direction before passing it on, so a call to STS or DynamoDB waits a round trip as it would
 * in a region (~10 ms each way is a cautious figure for a first call from a fresh instance).
 * Not simulated: TCP's and TLS's handshakes (loopback accepts at once; AWS needs TLS), which
 * would add one to two more round trips to the first call of ours and the baseline's alike.
 */
import * as net from 'node:net';

/** Starts a proxy to `target` (`http://127.0.0.1:port`); answers `{endpoint, stop()}`. */
export async function startNetworkDelay(target, oneWayMs) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const delayed = (from, to) =>
    from
      .on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs))
      .on('end', () => setTimeout(() => to.end(), oneWayMs));
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  };
}
