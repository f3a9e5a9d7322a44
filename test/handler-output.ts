/**
 * What a handler's unit tests watch, set up around every test of the file that calls it: STS
 * answering `AssumeRole` with a session, `console.log` silenced and recorded, stdout's metric
 * lines captured.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { stsCredentials } from './builders';
import { captureMetrics } from './emf';

/** Call at the top of a test file; read `logs` and `emf` inside its tests. */
export function watchHandlerOutput() {
  const sts = mockClient(STSClient);
  let logs: jest.SpyInstance | undefined;
  let emf: ReturnType<typeof captureMetrics> | undefined;
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves(stsCredentials());
    logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    emf = captureMetrics();
  });
  afterEach(() => {
    logs?.mockRestore();
    emf?.restore();
  });
  const inTest = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('handler output is watched inside a test only');
    return value;
  };
  return {
    sts,
    /** `console.log`'s calls in this test. */
    get logs() {
      return inTest(logs);
    },
    /** The metric lines written in this test. */
    get emf() {
      return inTest(emf);
    },
    /** Every line written in this test, parsed: `console.log`'s, then the metric lines. */
    lines(): Record<string, unknown>[] {
      const logged = inTest(logs).mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
      return [...logged, ...inTest(emf).lines()];
    },
  };
}
