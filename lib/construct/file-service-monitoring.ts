import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ErrorCode } from '../../contract/errors';
import { DIMENSION, METRIC, METRICS_NAMESPACE, URL_OPERATIONS, VERIFICATION_OUTCOMES } from '../../lambdas/shared/metrics';

/** What the owner of a file service chooses about its monitoring. */
export interface FileServiceMonitoringOptions {
  /**
   * Alarms on each function's errors and throttles, the API's 5xx rate and p99 latency, and
   * STS failures.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * One CloudWatch dashboard of the service's metrics, the functions' and the API's.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * The topic alarms notify when they fire and when they recover.
   * @default none: alarms change state without notifying anyone
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Properties of a `FileServiceMonitoring`. */
export interface FileServiceMonitoringProps extends FileServiceMonitoringOptions {
  /** The `service` dimension the functions write their metrics under (their `POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  /** The functions, by the name alarms and dashboard show them under. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The uploads function's log group: the dashboard counts uploads by content type from its audit lines. */
  readonly uploadsLogGroup: logs.ILogGroup;
  /** The HTTP API in front of them. */
  readonly api: apigw.IHttpApi;
  /** The queue of object events the verifier reads, and its dead-letter queue. */
  readonly eventQueues: { readonly queue: sqs.IQueue; readonly deadLetterQueue: sqs.IQueue };
}

const PERIOD = Duration.minutes(5);

/** An object event older than this has waited far longer than a verification takes: the verifier is not keeping up. */
const MAX_EVENT_AGE = Duration.minutes(15);

/** Below this many requests in a period, a 5xx rate says more about chance than about health. */
const MIN_REQUESTS_FOR_ERROR_RATE = 10;

/** How an alarm judges its metric, and what it tells the person it wakes. */
interface AlarmRule {
  readonly threshold: number;
  /** Consecutive periods of `PERIOD` that must all breach. */
  readonly periods: number;
  readonly description: string;
}

/**
 * Alarms and a dashboard for a `SecureFileService`: the functions' own metrics (errors,
 * throttles, duration), the API's (requests, 4xx, 5xx, latency), and the metrics the handlers
 * write as EMF (URLs issued, refusals by code, upload sizes, role sessions, STS and S3 latency,
 * verifications by outcome and their latency), read by the same names the handlers write them
 * under, uploads by content type from the uploads function's audit lines (Logs Insights), and
 * the object-event queues (depth, age, dead letters).
 */
export class FileServiceMonitoring extends Construct {
  /** The alarms; empty when turned off. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The dashboard, unless turned off. */
  readonly dashboard?: cloudwatch.Dashboard;

  private readonly serviceName: string;

  constructor(scope: Construct, id: string, props: FileServiceMonitoringProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    const functions = Object.entries(props.functions);

    this.alarms = props.alarms === false ? [] : this.createAlarms(props, functions);
    const topic = props.alarmTopic;
    if (topic) {
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(new SnsAction(topic));
        // The all-clear too, so whoever was paged knows when it is over.
        alarm.addOkAction(new SnsAction(topic));
      }
    }
    if (props.dashboard !== false) this.dashboard = this.createDashboard(props, functions);
  }

  private createAlarms(props: FileServiceMonitoringProps, functions: [string, lambda.IFunction][]): cloudwatch.Alarm[] {
    const alarm = (id: string, metric: cloudwatch.IMetric, rule: AlarmRule) =>
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold: rule.threshold,
        evaluationPeriods: rule.periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No traffic is not an outage: an idle service stays OK.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${rule.description} See "Operating it" in the README.`,
      });
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };

    return [
      ...functions.flatMap(([name, fn]) => [
        alarm(`${name}Errors`, fn.metricErrors(sum), {
          threshold: 1,
          periods: 1,
          description:
            `The ${name} function failed outside its error handling (crash, timeout, or a start that found its ` +
            'configuration invalid). Its log group names the error.',
        }),
        alarm(`${name}Throttles`, fn.metricThrottles(sum), {
          threshold: 1,
          periods: 1,
          description: `Lambda refused to run the ${name} function: the account's or the function's concurrency is exhausted.`,
        }),
      ]),
      alarm(
        'ApiServerErrorRate',
        new cloudwatch.MathExpression({
          expression: `IF(requests >= ${MIN_REQUESTS_FOR_ERROR_RATE}, 100 * FILL(serverErrors, 0) / requests, 0)`,
          usingMetrics: { requests: props.api.metricCount(sum), serverErrors: props.api.metricServerError(sum) },
          label: 'API 5xx rate (%)',
          period: PERIOD,
        }),
        {
          threshold: 5,
          periods: 2,
          description: `More than 5% of API requests answered 5xx for 10 minutes (counted from ${MIN_REQUESTS_FOR_ERROR_RATE} requests per 5 minutes).`,
        },
      ),
      alarm('ApiLatencyP99', props.api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }), {
        threshold: 2500,
        periods: 3,
        description: 'The slowest 1% of API requests took 2.5 s or more for 15 minutes.',
      }),
      alarm(
        'VerificationDeadLetters',
        props.eventQueues.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
        {
          threshold: 1,
          periods: 1,
          description:
            'An object event was parked in the dead-letter queue: the verifier failed it five times (or EventBridge could not ' +
            'deliver it), so a file stays pending. Read the verifier log for its key, fix the cause, then redrive the queue.',
        },
      ),
      alarm(
        'VerificationQueueAge',
        props.eventQueues.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
        {
          threshold: MAX_EVENT_AGE.toSeconds(),
          periods: 1,
          description: `An object event has waited ${MAX_EVENT_AGE.toMinutes()} minutes or more for the verifier: new files stay pending.`,
        },
      ),
      alarm('SigningFailures', this.serviceMetric(METRIC.refusals, { [DIMENSION.code]: 'SIGNING_UNAVAILABLE' satisfies ErrorCode }, sum), {
        threshold: 1,
        periods: 2,
        description: 'STS refused or failed to assume a signing role for 10 minutes: users get 503 SIGNING_UNAVAILABLE.',
      }),
    ];
  }

  private createDashboard(props: FileServiceMonitoringProps, functions: [string, lambda.IFunction][]): cloudwatch.Dashboard {
    const sum = { statistic: cloudwatch.Stats.SUM };
    const graph = (title: string, left: cloudwatch.IMetric[], leftYAxis?: cloudwatch.YAxisProps) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, period: PERIOD, ...(leftYAxis && { leftYAxis }) });
    const percentiles = (label: string, metric: (statistic: string, label: string) => cloudwatch.IMetric) => [
      metric(cloudwatch.Stats.p(50), `${label} p50`),
      metric(cloudwatch.Stats.p(99), `${label} p99`),
    ];
    const milliseconds = { label: 'ms', showUnits: false, min: 0 };
    const stsCalls = this.serviceMetric(METRIC.stsCalls, {}, { ...sum, label: 'STS calls' });

    const usage = [
      graph(
        'URLs issued, by operation',
        URL_OPERATIONS.map((operation) =>
          this.serviceMetric(METRIC.urlsIssued, { [DIMENSION.operation]: operation }, { ...sum, label: operation }),
        ),
      ),
      graph('Refusals, by error code', [this.breakdown(METRIC.refusals, DIMENSION.code, cloudwatch.Stats.SUM)]),
      graph('Declared upload size', [
        ...percentiles('size', (statistic, label) => this.serviceMetric(METRIC.uploadBytes, {}, { statistic, label })),
        this.serviceMetric(METRIC.uploadBytes, {}, { statistic: cloudwatch.Stats.MAXIMUM, label: 'size max' }),
      ]),
      // From the audit lines, not a metric: a dimension would be a billed metric per allowed type and ~100 B in every line.
      new cloudwatch.LogQueryWidget({
        title: 'Uploads, by content type',
        logGroupNames: [props.uploadsLogGroup.logGroupName],
        queryLines: [
          // The lines of a URL issued for an upload (a single PUT or a multipart start; re-signed parts carry no type).
          'filter operation = "upload" and ispresent(contentType)',
          'stats count(*) as uploads by contentType',
          'sort uploads desc',
        ],
        width: 8,
        height: 6,
      }),
      graph('Multipart parts signed', [this.serviceMetric(METRIC.partsSigned, {}, { ...sum, label: 'parts' })]),
      // From the upload lines too: as a metric it took a directive of its own, ~140 B in every upload's line.
      new cloudwatch.LogQueryWidget({
        title: 'Storage quota used at reservation (%)',
        logGroupNames: [props.uploadsLogGroup.logGroupName],
        view: cloudwatch.LogQueryVisualizationType.LINE,
        queryLines: [
          'filter ispresent(quotaUsedPercent)',
          'stats pct(quotaUsedPercent, 50) as p50, pct(quotaUsedPercent, 90) as p90, pct(quotaUsedPercent, 99) as p99, max(quotaUsedPercent) as max by bin(5m)',
        ],
        width: 8,
        height: 6,
      }),
      graph('Role sessions: cache hits and STS calls', [
        // Hits are not written (nearly every request's line would carry one): a URL issued without an STS call was one.
        new cloudwatch.MathExpression({
          expression: 'FILL(urls, 0) - FILL(stsCalls, 0)',
          usingMetrics: { urls: this.serviceMetric(METRIC.urlsIssued, {}, sum), stsCalls },
          label: 'cache hits (URLs issued - STS calls)',
          period: PERIOD,
        }),
        stsCalls,
      ]),
      graph(
        'STS and S3 latency',
        [
          ...percentiles('STS', (statistic, label) => this.serviceMetric(METRIC.stsLatency, {}, { statistic, label })),
          ...percentiles('S3', (statistic, label) => this.serviceMetric(METRIC.s3Latency, {}, { statistic, label })),
        ],
        milliseconds,
      ),
    ];
    const lambdas = [
      graph(
        'Lambda errors and throttles',
        functions.flatMap(([name, fn]) => [
          fn.metricErrors({ ...sum, label: `${name} errors` }),
          fn.metricThrottles({ ...sum, label: `${name} throttles` }),
        ]),
      ),
      graph(
        'Lambda duration',
        functions.flatMap(([name, fn]) => percentiles(name, (statistic, label) => fn.metricDuration({ statistic, label }))),
        milliseconds,
      ),
      graph(
        'Lambda cold starts',
        functions.map(([name, fn]) =>
          this.serviceMetric(METRIC.coldStart, { [DIMENSION.functionName]: fn.functionName }, { ...sum, label: name }),
        ),
      ),
    ];
    const { queue, deadLetterQueue } = props.eventQueues;
    const verification = [
      graph(
        'Verifications, by outcome',
        VERIFICATION_OUTCOMES.map((outcome) =>
          this.serviceMetric(METRIC.verifications, { [DIMENSION.outcome]: outcome }, { ...sum, label: outcome }),
        ),
      ),
      graph(
        'Verification latency (upload to verdict)',
        percentiles('latency', (statistic, label) => this.serviceMetric(METRIC.verificationLatency, {}, { statistic, label })),
        milliseconds,
      ),
      new cloudwatch.GraphWidget({
        title: 'Object events: queued, dead letters, oldest',
        left: [
          queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, label: 'queued' }),
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, label: 'dead letters' }),
        ],
        right: [queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, label: 'oldest' })],
        rightYAxis: { label: 's', showUnits: false, min: 0 },
        width: 8,
        height: 6,
        period: PERIOD,
      }),
    ];
    const api = [
      graph('API requests and errors', [
        props.api.metricCount({ ...sum, label: 'requests' }),
        props.api.metricClientError({ ...sum, label: '4xx' }),
        props.api.metricServerError({ ...sum, label: '5xx' }),
      ]),
      graph(
        'API latency',
        [
          ...percentiles('latency', (statistic, label) => props.api.metricLatency({ statistic, label })),
          props.api.metricIntegrationLatency({ statistic: cloudwatch.Stats.p(99), label: 'integration latency p99' }),
        ],
        milliseconds,
      ),
      ...(this.alarms.length > 0
        ? [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 8, height: 6 })]
        : []),
    ];

    return new cloudwatch.Dashboard(this, 'Dashboard', { widgets: [usage, lambdas, verification, api] });
  }

  /** One of the metrics the handlers write, under this service. */
  private serviceMetric(
    metricName: string,
    dimensions: Readonly<Record<string, string>>,
    options: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { [DIMENSION.service]: this.serviceName, ...dimensions },
      period: PERIOD,
      ...options,
    });
  }

  /**
   * One line per value of a breakdown dimension, whichever values have data: error codes are
   * bounded, but listing them all would mostly draw empty lines.
   */
  private breakdown(metricName: string, dimension: string, statistic: string): cloudwatch.MathExpression {
    const schema = `{${METRICS_NAMESPACE},${DIMENSION.service},${dimension}}`;
    const filter = `MetricName="${metricName}" ${DIMENSION.service}="${this.serviceName}"`;
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${schema} ${filter}', '${statistic}', ${PERIOD.toSeconds()})`,
      label: `\${PROP('Dim.${dimension}')}`,
      usingMetrics: {},
      period: PERIOD,
    });
  }
}
