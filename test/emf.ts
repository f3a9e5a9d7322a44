/**
 * CloudWatch Embedded Metric Format lines, captured from stdout (where Powertools writes them,
 * through a `Console` of its own rather than `console.log`) and flattened into the datapoints
 * CloudWatch would store.
 */

/** One EMF line, as CloudWatch Logs parses it. */
export interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

/** A value CloudWatch stores for one metric under one set of dimensions. */
export interface Datapoint {
  readonly namespace: string;
  readonly metric: string;
  readonly unit: string;
  readonly value: unknown;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

/** Captures what is written to stdout from now until `restore()`. */
export function captureMetrics() {
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const lines = (): EmfLine[] =>
    written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line): line is EmfLine => '_aws' in line);
  return {
    /** Every EMF line written, parsed. */
    lines,
    /** Every datapoint those lines define. */
    datapoints: () => lines().flatMap(datapointsOf),
    /** Forgets what was written so far. */
    clear: () => written.splice(0),
    restore: () => write.mockRestore(),
  };
}

/** The datapoints one EMF line defines: each of its metrics under each of its dimension sets. */
export function datapointsOf(line: EmfLine): Datapoint[] {
  return line._aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) =>
    Metrics.flatMap(({ Name, Unit }) =>
      Dimensions.map((names) => ({
        namespace: Namespace,
        metric: Name,
        unit: Unit,
        value: line[Name],
        dimensions: Object.fromEntries(names.map((name) => [name, line[name]])),
      })),
    ),
  );
}

/** The metric names among `datapoints`, sorted, each once. */
export function metricNamesOf(datapoints: readonly Datapoint[]): string[] {
  return [...new Set(datapoints.map(({ metric }) => metric))].sort();
}
