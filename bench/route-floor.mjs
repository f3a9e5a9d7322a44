/**
 * A route's floor, from section 1's rows: its signatures × d, and each of its table calls'
 * round trip (row `t-{call}`) with the call's own signature (d). The calls are named in
 * `bench/url-issue.mjs` (`FLOOR_CALLS`, `FLOOR_WORK`), which sends them with its figures.
 */

/** The floor of route `name`: µs, and what it counts. */
export function routeFloor(urlIssue, name) {
  const perUrl = urlIssue.perUrlMicroseconds;
  const { signatures, tableCalls } = urlIssue.floorWork[name];
  const tableUs = tableCalls.reduce((sum, call) => sum + perUrl[`t-${call}`].median, 0);
  return {
    us: signatures * perUrl.d.median + tableUs + tableCalls.length * perUrl.d.median,
    signatures,
    tableCalls,
    /** The loopback round trips alone, µs. */
    tableUs,
    /** "1 signature, 1 `GetItem` (suspension-get), …" */
    work: [
      `${signatures} signature${signatures === 1 ? '' : 's'}`,
      ...tableCalls.map((call) => `\`${urlIssue.floorCalls[call].operation}\` (${call})`),
    ].join(', '),
  };
}

/** DynamoDB request units a list of the floor's calls consumes. */
export function requestUnitsOf(urlIssue, calls) {
  return calls.reduce(
    (units, call) => ({
      reads: units.reads + urlIssue.floorCalls[call].readUnits,
      writes: units.writes + urlIssue.floorCalls[call].writeUnits,
    }),
    { reads: 0, writes: 0 },
  );
}
