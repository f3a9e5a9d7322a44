/**
 * One structured line per request: the request's audit fields and all its metrics in a single
 * CloudWatch Embedded Metric Format (EMF) object on stdout. CloudWatch Logs stores the line once
 * (Logs Insights queries its fields) and extracts every metric from it.
 *
 * Why not Powertools Metrics: it writes one EMF directive per line, whose dimension sets apply to
 * every metric in it, so each breakdown (`UrlsIssued` by `operation`, then `UploadBytes` by
 * content type) needed a line of its own beside the batch and the audit line: four lines and
 * ~1.2 kB per upload URL, more log ingestion than Lambda itself costs. EMF lets one line carry
 * several directives, one per set of dimension sets, which is what this module writes. It also
 * reads its configuration once, where Powertools read an environment variable on every metric
 * stored (`npm run bench` has the figures).
 *
 * The methods keep Powertools' names (`addMetric`, `addMetadata`, `publishStoredMetrics`,
 * `clearMetrics`), so code written against it reads the same.
 */
import type { MiddlewareObj } from '@middy/core';

/** The units this service writes (EMF's names). */
export const MetricUnit = { Count: 'Count', Bytes: 'Bytes', Milliseconds: 'Milliseconds' } as const;

/** One of `MetricUnit`. */
export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Where a metric line goes, and whether metrics are written at all. */
export interface MetricLineOptions {
  readonly namespace: string;
  /** The `service` dimension's value. @default `POWERTOOLS_SERVICE_NAME`, else `service_undefined` (as Powertools) */
  readonly serviceName?: string;
  /**
   * Metrics off (audit fields are still written). @default as Powertools decides it: off when
   * `POWERTOOLS_METRICS_DISABLED=true`, or when `POWERTOOLS_DEV=true` unless `POWERTOOLS_METRICS_DISABLED=false`
   */
  readonly disabled?: boolean;
  /** @default a write to stdout */
  readonly write?: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

interface StoredMetric {
  readonly unit: MetricUnitName;
  readonly values: number[];
  /** The dimension sets the metric is written under, each by its names (`service` first). */
  readonly dimensionSets: readonly (readonly string[])[];
}

const SERVICE = 'service';

/** The metrics and audit fields of one invocation, written as one line by `publishStoredMetrics`. */
export class MetricLine {
  private readonly namespace: string;
  private readonly serviceName: string;
  private readonly disabled: boolean;
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private metrics = new Map<string, StoredMetric>();
  private dimensions: Record<string, string> = {};
  private properties: Record<string, unknown> = {};
  /** Lambda says how the instance started; as Powertools, only an on-demand start is a cold start users wait for. */
  private coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand';

  constructor(options: MetricLineOptions) {
    const environment = process.env;
    this.namespace = options.namespace;
    this.serviceName = options.serviceName ?? (environment.POWERTOOLS_SERVICE_NAME || 'service_undefined');
    this.disabled =
      options.disabled ??
      (environment.POWERTOOLS_METRICS_DISABLED === 'true' ||
        (environment.POWERTOOLS_DEV === 'true' && environment.POWERTOOLS_METRICS_DISABLED !== 'false'));
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? (() => Date.now());
  }

  /** Adds a value of a metric under `service` alone (values of one metric in one line become a list). */
  addMetric(name: string, unit: MetricUnitName, value: number): this {
    return this.store(name, unit, value, [[SERVICE]]);
  }

  /**
   * Adds a value of a metric under `service` alone and under `service` and `dimension`: the total
   * and its breakdown, from one value in one line. A second, different value of the same
   * dimension in one invocation (the verifier's batch) cannot share the line: the line so far is
   * written first.
   */
  addBreakdown(name: string, unit: MetricUnitName, value: number, dimension: string, dimensionValue: string): this {
    if (this.dimensions[dimension] !== undefined && this.dimensions[dimension] !== dimensionValue) this.publishStoredMetrics();
    this.dimensions[dimension] = dimensionValue;
    return this.store(name, unit, value, [[SERVICE], [SERVICE, dimension]]);
  }

  /** Adds a metric under `service` and one dimension only, with no total (the cold start by function name). */
  addDimensionedMetric(name: string, unit: MetricUnitName, value: number, dimension: string, dimensionValue: string): this {
    this.dimensions[dimension] = dimensionValue;
    return this.store(name, unit, value, [[SERVICE, dimension]]);
  }

  /** A property of the line: searchable in Logs Insights, never a dimension. */
  addMetadata(key: string, value: unknown): this {
    this.properties[key] = value;
    return this;
  }

  /** Several properties at once (an audit record). */
  addProperties(properties: Readonly<Record<string, unknown>>): this {
    Object.assign(this.properties, properties);
    return this;
  }

  /** Counts the first invocation of an on-demand instance (`ColdStart` by `function_name`), once. */
  captureColdStartMetric(functionName: string | undefined): void {
    if (!this.coldStart) return;
    this.coldStart = false;
    this.addDimensionedMetric('ColdStart', MetricUnit.Count, 1, 'function_name', functionName ?? 'unknown');
  }

  /** Writes the line (when it holds a metric or an audit field) and forgets it. */
  publishStoredMetrics(context: object = {}): void {
    const hasMetrics = !this.disabled && this.metrics.size > 0;
    const hasAudit = this.properties.audit === true;
    if (hasMetrics || hasAudit) {
      const line: Record<string, unknown> = { ...context, ...this.properties };
      if (hasMetrics) {
        line[SERVICE] = this.serviceName;
        Object.assign(line, this.dimensions);
        for (const [name, { values }] of this.metrics) line[name] = values.length === 1 ? values[0] : values;
        line._aws = { Timestamp: this.now(), CloudWatchMetrics: this.directives() };
      }
      this.write(JSON.stringify(line));
    }
    this.clearMetrics();
  }

  /** Forgets what the line holds, unwritten. */
  clearMetrics(): void {
    this.metrics = new Map();
    this.dimensions = {};
    this.properties = {};
  }

  private store(name: string, unit: MetricUnitName, value: number, dimensionSets: readonly (readonly string[])[]): this {
    const stored = this.metrics.get(name);
    if (stored) stored.values.push(value);
    else this.metrics.set(name, { unit, values: [value], dimensionSets });
    return this;
  }

  /** One directive per distinct list of dimension sets, each naming its metrics. */
  private directives() {
    const byDimensions = new Map<string, { Namespace: string; Dimensions: readonly (readonly string[])[]; Metrics: object[] }>();
    for (const [name, { unit, dimensionSets }] of this.metrics) {
      const key = JSON.stringify(dimensionSets);
      let directive = byDimensions.get(key);
      if (!directive) {
        directive = { Namespace: this.namespace, Dimensions: dimensionSets, Metrics: [] };
        byDimensions.set(key, directive);
      }
      directive.Metrics.push({ Name: name, Unit: unit });
    }
    return [...byDimensions.values()];
  }
}

/**
 * The middy middleware that writes an invocation's line once, when it ends, answered or failed;
 * `context` adds the fields every line of the request carries (its request id and function).
 */
export function publishMetricLine(
  line: MetricLine,
  options: { captureColdStartMetric?: boolean; context?: () => object | undefined } = {},
): MiddlewareObj {
  const publish = () => line.publishStoredMetrics(options.context?.() ?? {});
  return {
    before: (request) => {
      if (options.captureColdStartMetric) line.captureColdStartMetric(request.context.functionName);
    },
    after: publish,
    onError: publish,
  };
}
