/**
 * Section 3: the role-session cache under a synthetic hour, forked by `bench/run.mjs`. The real
 * `assumeRoleSessions` (the production module, bundled) with a simulated clock and an STS stub
 * that counts calls; one warm instance per function, requests one after another as Lambda
 * serves them.
 *
 * Workload: `users` users with Zipf-distributed activity (s = 1: the k-th most active user makes
 * 1/k of the first one's requests), `requests` requests at uniformly random instants over
 * `seconds`, each an upload or a download with even odds, URL lifetimes from the default limits.
 */
import { pathToFileURL } from 'node:url';

const input = JSON.parse(process.env.BENCH_INPUT);
const { assumeRoleSessions, CREDENTIAL_MARGIN_SECONDS } = await import(pathToFileURL(input.modules['role-sessions']).href);
const { users, requests, seconds, ttlSeconds, sessionSeconds } = input.workload;

const random = seededRandom(20261123);
const zipf = zipfSampler(users, random);
const workload = Array.from({ length: requests }, () => ({
  at: random() * seconds * 1000,
  user: `user-${zipf()}`,
  role: random() < 0.5 ? 'uploads' : 'downloads',
})).sort((a, b) => a.at - b.at);

let now = 0;
const results = {};
for (const role of Object.keys(ttlSeconds)) {
  const calls = new Map();
  const sts = {
    async send(command) {
      const user = command.input.Tags[0].Value;
      (calls.get(user) ?? calls.set(user, []).get(user)).push(now);
      return {
        Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(now + sessionSeconds * 1000) },
      };
    },
  };
  const sessions = assumeRoleSessions({ sts, roleArn: `arn:aws:iam::111122223333:role/${role}`, now: () => now });
  let served = 0;
  for (const request of workload) {
    if (request.role !== role) continue;
    now = request.at;
    await sessions.sessionFor({ sub: request.user, sourceIp: '203.0.113.7' }, ttlSeconds[role]);
    served += 1;
  }
  const stsCalls = [...calls.values()].reduce((sum, times) => sum + times.length, 0);
  const gaps = [...calls.values()].flatMap((times) => times.slice(1).map((time, index) => time - times[index]));
  results[role] = {
    requests: served,
    activeUsers: calls.size,
    stsCalls,
    hitRatio: 1 - stsCalls / served,
    maxCallsPerUser: Math.max(...[...calls.values()].map((times) => times.length)),
    shortestMinutesBetweenCalls: gaps.length > 0 ? Math.min(...gaps) / 60_000 : null,
    // What the reuse rule allows: a session serves until it no longer outlives the URL plus the margin.
    reuseMinutes: (sessionSeconds - ttlSeconds[role] - CREDENTIAL_MARGIN_SECONDS) / 60,
  };
}
process.send({ workload: input.workload, byFunction: results }, () => process.exit(0));

/** Mulberry32: the same workload on every run. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 1…n drawn with probability ∝ 1/rank. */
function zipfSampler(n, random) {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank += 1) cumulative[rank - 1] = total += 1 / rank;
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
}
