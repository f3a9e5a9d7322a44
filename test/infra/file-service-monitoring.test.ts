import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { FileServiceMonitoringOptions } from '../../lib/construct/file-service-monitoring';
import { FUNCTION_NAMES, FUNCTIONS } from '../../lib/functions';
import { resourceOf, synthesize, templateOf } from './synth';

const template = templateOf();
const service = 'SecureFileService/FileService';
const apiId = resourceOf(template, 'AWS::ApiGatewayV2::Api', 'FileServiceApiHttpApi').id;
const functionIds = Object.fromEntries(
  FUNCTION_NAMES.map((name) => FUNCTIONS[name].id).map((id) => [
    id,
    resourceOf(template, 'AWS::Lambda::Function', `FileService${id}Function`).id,
  ]),
);
const queueId = resourceOf(template, 'AWS::SQS::Queue', 'FileServiceEventsQueue').id;
const deadLettersId = resourceOf(template, 'AWS::SQS::Queue', 'FileServiceEventsDeadLetters').id;
const ALARM = 'AWS::CloudWatch::Alarm';
const DASHBOARD = 'AWS::CloudWatch::Dashboard';

function alarm(name: string, from: Template = template) {
  return resourceOf(from, ALARM, `FileServiceMonitoring${name}`).properties;
}

function withMonitoring(monitoring: FileServiceMonitoringOptions): Template {
  return synthesize({}, { service: { monitoring } }).template;
}

interface Widget {
  readonly type: string;
  readonly properties: { readonly title: string; readonly metrics?: unknown[][]; readonly alarms?: string[]; readonly query?: string };
}

/** The dashboard body as JSON, each CloudFormation reference in it written as the logical id it points to. */
function dashboardOf(from: Template): { widgets: Widget[] } {
  const [dashboard] = Object.values(from.findResources(DASHBOARD));
  const [, parts] = dashboard?.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const text = parts.map((part) => (typeof part === 'string' ? part : referenceOf(part))).join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

function referenceOf(part: unknown): string {
  const { Ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
  return Ref ?? getAtt?.join('.') ?? JSON.stringify(part);
}

function widgetTitled(title: string): Widget {
  const widget = dashboardOf(template).widgets.find((candidate) => candidate.properties.title === title);
  if (!widget) throw new Error(`no widget ${title}`);
  return widget;
}

/** The options of each of a widget's metrics (id, label, visibility, statistic or expression). */
function optionsOf(title: string): unknown[] {
  return (widgetTitled(title).properties.metrics ?? []).map((metric) => metric[metric.length - 1]);
}

/** A widget's metrics, one line each: `namespace metric dimension=value… statistic`, or the expression. */
function graphed(title: string): string[] {
  return (widgetTitled(title).properties.metrics ?? []).map((metric) => {
    const options = metric[metric.length - 1] as { stat?: string; expression?: string };
    if (options.expression) return options.expression;
    const [namespace, name, ...dimensions] = metric.slice(0, -1) as string[];
    const pairs = dimensions.flatMap((value, index) => (index % 2 === 0 ? [`${value}=${dimensions[index + 1]}`] : []));
    return [namespace, name, ...pairs, options.stat].join(' ');
  });
}

describe('the alarms', () => {
  it('are two per function, three on the API and signing, and two on the object-event queues', () => {
    const names = Object.keys(template.findResources(ALARM)).map((id) => id.replace(/^FileServiceMonitoring(.+)[0-9A-F]{8}$/, '$1'));

    expect(names.sort()).toEqual(
      [
        ...Object.keys(functionIds).flatMap((name) => [`${name}Errors`, `${name}Throttles`]),
        'ApiLatencyP99',
        'ApiServerErrorRate',
        'SigningFailures',
        'VerificationDeadLetters',
        'VerificationQueueAge',
      ].sort(),
    );
  });

  it.each(Object.entries(functionIds))('fire on the first error or throttle of the %s function in five minutes', (name, functionId) => {
    for (const metric of ['Errors', 'Throttles']) {
      expect(alarm(`${name}${metric}`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('fire when 5% or more of at least 10 API requests per five minutes answer 5xx, twice in a row', () => {
    const apiMetric = (name: string) => ({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: name, Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }] },
      Period: 300,
      Stat: 'Sum',
    });

    expect(alarm('ApiServerErrorRate')).toMatchObject({
      Metrics: [
        { Expression: 'IF(requests >= 10, 100 * FILL(serverErrors, 0) / requests, 0)', ReturnData: true },
        { Id: 'requests', MetricStat: apiMetric('Count'), ReturnData: false },
        { Id: 'serverErrors', MetricStat: apiMetric('5xx'), ReturnData: false },
      ],
      Threshold: 5,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('fire when the API’s p99 latency stays at 2.5 s or more for 15 minutes', () => {
    expect(alarm('ApiLatencyP99')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 2500,
      EvaluationPeriods: 3,
    });
  });

  it('fire when requests fail with SIGNING_UNAVAILABLE in two five-minute periods in a row', () => {
    expect(alarm('SigningFailures')).toMatchObject({
      Namespace: 'SecureFileService',
      MetricName: 'Refusals',
      Dimensions: [
        { Name: 'code', Value: 'SIGNING_UNAVAILABLE' },
        { Name: 'service', Value: service },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 2,
    });
  });

  it('fire as soon as one object event is parked in the dead-letter queue', () => {
    expect(alarm('VerificationDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLettersId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('fire when the oldest object event has waited 15 minutes for the verifier', () => {
    expect(alarm('VerificationQueueAge')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 900,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('read the handlers’ metrics under the service name the functions write them with', () => {
    for (const functionId of Object.values(functionIds)) {
      const fn = template.findResources('AWS::Lambda::Function')[functionId];
      expect(fn?.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(service);
    }
  });

  it('stay OK without traffic, and say what they mean and where the runbook is', () => {
    for (const properties of Object.values(template.findResources(ALARM)).map((resource) => resource.Properties)) {
      expect(properties.TreatMissingData).toBe('notBreaching');
      expect(properties.AlarmDescription).toMatch(/.{40,} See "Operating it" in the README\.$/);
    }
  });

  it('notify no one unless given a topic', () => {
    for (const { Properties } of Object.values(template.findResources(ALARM))) {
      expect(Properties.AlarmActions).toBeUndefined();
      expect(Properties.OKActions).toBeUndefined();
    }
  });

  it('notify the topic they are given when they fire and when they recover', () => {
    const pager = sns.Topic.fromTopicArn(new Stack(new App(), 'Elsewhere'), 'Pager', 'arn:aws:sns:eu-west-1:111122223333:pager');

    const notifying = withMonitoring({ alarmTopic: pager });

    const alarms = Object.values(notifying.findResources(ALARM));
    expect(alarms).toHaveLength(Object.keys(template.findResources(ALARM)).length);
    expect(alarms.length).toBeGreaterThan(0);
    for (const { Properties } of alarms) {
      expect(Properties.AlarmActions).toEqual([pager.topicArn]);
      expect(Properties.OKActions).toEqual([pager.topicArn]);
    }
  });

  it('notify an email address given as context, through a topic that only accepts TLS', () => {
    const withEmail = templateOf({ alarmEmail: 'oncall@example.com' });
    const topic = resourceOf(withEmail, 'AWS::SNS::Topic', 'Alarms');

    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topic.id },
    });
    const policy = resourceOf(withEmail, 'AWS::SNS::TopicPolicy', 'AlarmsPolicy');
    expect(policy.properties).toMatchObject({
      Topics: [{ Ref: topic.id }],
      PolicyDocument: {
        Statement: expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(alarm('SigningFailures', withEmail).AlarmActions).toEqual([{ Ref: topic.id }]);
  });

  it('refuse an alarm email that is not an address', () => {
    expect(() => synthesize({ alarmEmail: 'oncall' })).toThrow(/alarmEmail must be an email address/);
  });
});

describe('the dashboard', () => {
  it('is one', () => {
    expect(Object.keys(template.findResources(DASHBOARD))).toHaveLength(1);
  });

  it('graphs URLs issued by operation, refusals by code, and declared upload sizes', () => {
    expect(graphed('URLs issued, by operation')).toEqual([
      `SecureFileService UrlsIssued operation=upload service=${service} Sum`,
      `SecureFileService UrlsIssued operation=download service=${service} Sum`,
    ]);
    expect(graphed('Refusals, by error code')).toEqual([
      `SEARCH('{SecureFileService,service,code} MetricName="Refusals" service="${service}"', 'Sum', 300)`,
    ]);
    expect(graphed('Declared upload size')).toEqual([
      `SecureFileService UploadBytes service=${service} p50`,
      `SecureFileService UploadBytes service=${service} p99`,
      `SecureFileService UploadBytes service=${service} Maximum`,
    ]);
  });

  it('counts uploads by content type from the uploads function’s audit lines, where the type is a property and not a dimension', () => {
    const uploadsLogs = resourceOf(template, 'AWS::Logs::LogGroup', 'FileServiceUploadsLogs').id;

    expect(widgetTitled('Uploads, by content type')).toEqual({
      type: 'log',
      width: 8,
      height: 6,
      x: expect.any(Number),
      y: expect.any(Number),
      properties: {
        view: 'table',
        title: 'Uploads, by content type',
        region: 'AWS::Region',
        query: [
          `SOURCE '${uploadsLogs}' | filter operation = "upload" and ispresent(contentType)`,
          'stats count(*) as uploads by contentType',
          'sort uploads desc',
        ].join('\n| '),
      },
    });
  });

  it('graphs multipart parts, role-session cache hits (URLs issued less STS calls) against STS calls, and STS and S3 latency', () => {
    expect(graphed('Multipart parts signed')).toEqual([`SecureFileService PartsSigned service=${service} Sum`]);
    expect(graphed('Role sessions: cache hits and STS calls')).toEqual([
      'FILL(urls, 0) - FILL(stsCalls, 0)',
      `SecureFileService UrlsIssued service=${service} Sum`,
      `SecureFileService StsCalls service=${service} Sum`,
    ]);
    // The URLs only feed the hits; the STS calls are both a line of their own and the hits' other term.
    expect(optionsOf('Role sessions: cache hits and STS calls')).toEqual([
      { label: 'cache hits (URLs issued - STS calls)', expression: 'FILL(urls, 0) - FILL(stsCalls, 0)' },
      { id: 'urls', visible: false, stat: 'Sum' },
      { id: 'stsCalls', label: 'STS calls', stat: 'Sum' },
    ]);
    expect(graphed('STS and S3 latency')).toEqual([
      `SecureFileService StsLatency service=${service} p50`,
      `SecureFileService StsLatency service=${service} p99`,
      `SecureFileService S3Latency service=${service} p50`,
      `SecureFileService S3Latency service=${service} p99`,
    ]);
  });

  it('graphs each function’s errors, throttles, duration and cold starts', () => {
    const ids = Object.values(functionIds);

    expect(ids).toHaveLength(FUNCTION_NAMES.length);
    expect(graphed('Lambda errors and throttles')).toEqual(
      ids.flatMap((id) => [`AWS/Lambda Errors FunctionName=${id} Sum`, `AWS/Lambda Throttles FunctionName=${id} Sum`]),
    );
    expect(graphed('Lambda duration')).toEqual(
      ids.flatMap((id) => [`AWS/Lambda Duration FunctionName=${id} p50`, `AWS/Lambda Duration FunctionName=${id} p99`]),
    );
    expect(graphed('Lambda cold starts')).toEqual(
      ids.map((id) => `SecureFileService ColdStart function_name=${id} service=${service} Sum`),
    );
  });

  it('graphs verifications by outcome, their latency, and the object-event queues', () => {
    expect(graphed('Verifications, by outcome')).toEqual([
      `SecureFileService Verifications outcome=available service=${service} Sum`,
      `SecureFileService Verifications outcome=rejected service=${service} Sum`,
    ]);
    expect(graphed('Verification latency (upload to verdict)')).toEqual([
      `SecureFileService VerificationLatency service=${service} p50`,
      `SecureFileService VerificationLatency service=${service} p99`,
    ]);
    expect(graphed('Object events: queued, dead letters, oldest')).toEqual([
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${queueId}.QueueName Maximum`,
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${deadLettersId}.QueueName Maximum`,
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${queueId}.QueueName Maximum`,
    ]);
  });

  it('graphs the API’s requests, 4xx, 5xx and latency', () => {
    expect(graphed('API requests and errors')).toEqual([
      `AWS/ApiGateway Count ApiId=${apiId} Sum`,
      `AWS/ApiGateway 4xx ApiId=${apiId} Sum`,
      `AWS/ApiGateway 5xx ApiId=${apiId} Sum`,
    ]);
    expect(graphed('API latency')).toEqual([
      `AWS/ApiGateway Latency ApiId=${apiId} p50`,
      `AWS/ApiGateway Latency ApiId=${apiId} p99`,
      `AWS/ApiGateway IntegrationLatency ApiId=${apiId} p99`,
    ]);
  });

  it('shows the state of every alarm', () => {
    const alarmWidget = dashboardOf(template).widgets.find(({ type }) => type === 'alarm');

    expect(alarmWidget?.properties.alarms?.sort()).toEqual(
      Object.keys(template.findResources(ALARM))
        .map((id) => `${id}.Arn`)
        .sort(),
    );
  });
});

describe('turning monitoring off', () => {
  const resources = (from: Template, except: string[]) =>
    Object.fromEntries(
      Object.entries(from.toJSON().Resources as Record<string, { Type: string }>).filter(([, { Type }]) => !except.includes(Type)),
    );

  it('without alarms removes the alarms and their dashboard widget, and changes nothing else', () => {
    const quiet = withMonitoring({ alarms: false });

    expect(quiet.findResources(ALARM)).toEqual({});
    expect(dashboardOf(quiet).widgets.map(({ type }) => type)).not.toContain('alarm');
    expect(resources(quiet, [DASHBOARD])).toEqual(resources(template, [ALARM, DASHBOARD]));
  });

  it('without a dashboard removes the dashboard and changes nothing else', () => {
    const plain = withMonitoring({ dashboard: false });

    expect(plain.findResources(DASHBOARD)).toEqual({});
    expect(resources(plain, [])).toEqual(resources(template, [DASHBOARD]));
  });

  it('entirely removes alarms and dashboard and changes nothing else: the functions still write their metrics', () => {
    const unmonitored = withMonitoring({ alarms: false, dashboard: false });

    expect(unmonitored.toJSON()).toEqual({ ...template.toJSON(), Resources: resources(template, [ALARM, DASHBOARD]) });
    const fn = resourceOf(unmonitored, 'AWS::Lambda::Function', 'FileServiceUploadsFunction');
    expect(fn.properties.Environment).toMatchObject({ Variables: { POWERTOOLS_SERVICE_NAME: service } });
  });
});
