/**
 * YARDSTICK ONLY: the floor of a route's cold start, in a fresh process as `bench/cold-start.mjs`
 * runs a bundle, and reporting the same figures. It does what the route must do and nothing
 * else, by hand: load Node's HTTPS stack and `node:crypto`, call STS's `AssumeRole` on a new
 * TLS connection (its credentials read out of the XML with a regular expression), make the
 * route's table calls (`bench/floor-calls.mjs`, hand-serialized) on another, and sign the URL
 * (`bench/sigv4-floor.mjs`). What a bundle's cold start takes beyond this is the SDK, the
 * handler and the libraries; the floor is what no implementation avoids.
 *
 * `node bench/cold-floor.mjs <route>` (`uploads` or `downloads`), forked with the functions' environment.
 */
const route = process.argv[2];
const event = JSON.parse(process.env.EVENT);

const cpuBefore = process.cpuUsage();
const started = performance.now();
const [https, { FLOOR_WORK, floorCalls, sendFloorTableCall }, { createFloorPresigner }] = await Promise.all([
  import('node:https'),
  import('./floor-calls.mjs'),
  import('./sigv4-floor.mjs'),
]);
const imported = performance.now();

const region = process.env.AWS_REGION;
const objectKey = 'users/11111111-aaaa-4aaa-8aaa-111111111111/0f8fad5b-d9cb-469f-a165-70867728950e/Holiday-photo.jpg';
const credentials = await assumeRole();
const calls = floorCalls({ downloadId: route === 'downloads' ? JSON.parse(event.body).id : '', objectKey });
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
const endpoint = new URL(process.env.DYNAMODB_ENDPOINT);
const id = `floor${Date.now().toString(36)}${process.pid}`;
for (const call of FLOOR_WORK[route].tableCalls) await sendFloorTableCall({ agent, endpoint, calls, call, id });
createFloorPresigner({ region, credentials }).presign({
  method: route === 'uploads' ? 'PUT' : 'GET',
  host: `${process.env.BUCKET_NAME}.s3.${region}.amazonaws.com`,
  key: objectKey,
  headers: {},
  query: {},
  expiresIn: 600,
  signedAt: new Date(),
});
const invoked = performance.now();
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();

process.send({ importMs: imported - started, invokeMs: invoked - imported, cpuMs: (cpu.user + cpu.system) / 1000, status: 200 }, () =>
  process.exit(0),
);

/** `AssumeRole` as the STS client sends it (a form POST), its answer's credentials by regular expression. */
function assumeRole() {
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: process.env.SIGNING_ROLE_ARN,
    RoleSessionName: 'floor',
    DurationSeconds: '3600',
    'Tags.member.1.Key': 'userId',
    'Tags.member.1.Value': '11111111-aaaa-4aaa-8aaa-111111111111',
  }).toString();
  const sts = new URL(process.env.AWS_ENDPOINT_URL_STS);
  return new Promise((resolve, reject) => {
    const request = https.request(
      { host: sts.hostname, port: sts.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (response) => {
        let xml = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (xml += chunk));
        response.on('end', () => {
          const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
          const answer = {
            accessKeyId: field('AccessKeyId'),
            secretAccessKey: field('SecretAccessKey'),
            sessionToken: field('SessionToken'),
          };
          if (response.statusCode === 200 && answer.accessKeyId && answer.secretAccessKey) resolve(answer);
          else reject(new Error(`floor AssumeRole: ${response.statusCode} ${xml}`));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
