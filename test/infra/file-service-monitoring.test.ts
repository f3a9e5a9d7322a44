import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { FileServiceMonitoringOptions } from '../../lib/construct/file-service-monitoring';
import { resourceOf, synthesize, templateOf } from './synth';

const template = templateOf();
const service = 'SecureFileService/FileService';
const apiId = resourceOf(template, 'AWS::ApiGatewayV2::Api', 'FileServiceApiHttpApi').id;
const functionIds = {
  Uploads: resourceOf(template, 'AWS::Lambda::Function', 'FileServiceUploadsFunction').id,
  Downloads: resourceOf(template, 'AWS::Lambda::Function', 'FileServiceDownloadsFunction').id,
};
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
  readonly properties: { readonly title: string; readonly metrics?: unknown[][]; readonly alarms?: string[] };
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

/** A widget's metrics, one line each: `namespace metric dimension=value… statistic`, or the expression. */
function graphed(title: string): string[] {
  const widget = dashboardOf(template).widgets.find((candidate) => candidate.properties.title === title);
  if (!widget) throw new Error(`no widget ${title}`);
  return (widget.properties.metrics ?? []).map((metric) => {
    const options = metric[metric.length - 1] as { stat?: string; expression?: string };
    if (options.expression) return options.expression;
    const [namespace, name, ...dimensions] = metric.slice(0, -1) as string[];
    const pairs = dimensions.flatMap((value, index) => (index % 2 === 0 ? [`${value}=${dimensions[index + 1]}`] : []));
    return [namespace, name, ...pairs, options.stat].join(' ');
  });
}

describe('the alarms', () => {
  it('are exactly these seven', () => {
    const names = Object.keys(template.findResources(ALARM)).map((id) => id.replace(/^FileServiceMonitoring(.+)[0-9A-F]{8}$/, '$1'));

    expect(names.sort()).toEqual(
      [
        'ApiLatencyP99',
        'ApiServerErrorRate',
        'DownloadsErrors',
        'DownloadsThrottles',
        'SigningFailures',
        'UploadsErrors',
        'UploadsThrottles',
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
    expect(alarms).toHaveLength(7);
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

  it('graphs URLs issued by operation, refusals by code, and declared upload sizes and types', () => {
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
    expect(graphed('Uploads, by content type')).toEqual([
      `SEARCH('{SecureFileService,service,contentType} MetricName="UploadBytes" service="${service}"', 'SampleCount', 300)`,
    ]);
  });

  it('graphs multipart parts, role-session cache hits against STS calls, and STS and S3 latency', () => {
    expect(graphed('Multipart parts signed')).toEqual([`SecureFileService PartsSigned service=${service} Sum`]);
    expect(graphed('Role sessions: cache hits and STS calls')).toEqual([
      `SecureFileService SessionCacheHits service=${service} Sum`,
      `SecureFileService StsCalls service=${service} Sum`,
    ]);
    expect(graphed('STS and S3 latency')).toEqual([
      `SecureFileService StsLatency service=${service} p50`,
      `SecureFileService StsLatency service=${service} p99`,
      `SecureFileService S3Latency service=${service} p50`,
      `SecureFileService S3Latency service=${service} p99`,
    ]);
  });

  it('graphs each function’s errors, throttles, duration and cold starts', () => {
    const { Uploads, Downloads } = functionIds;

    expect(graphed('Lambda errors and throttles')).toEqual([
      `AWS/Lambda Errors FunctionName=${Uploads} Sum`,
      `AWS/Lambda Throttles FunctionName=${Uploads} Sum`,
      `AWS/Lambda Errors FunctionName=${Downloads} Sum`,
      `AWS/Lambda Throttles FunctionName=${Downloads} Sum`,
    ]);
    expect(graphed('Lambda duration')).toEqual([
      `AWS/Lambda Duration FunctionName=${Uploads} p50`,
      `AWS/Lambda Duration FunctionName=${Uploads} p99`,
      `AWS/Lambda Duration FunctionName=${Downloads} p50`,
      `AWS/Lambda Duration FunctionName=${Downloads} p99`,
    ]);
    expect(graphed('Lambda cold starts')).toEqual([
      `SecureFileService ColdStart function_name=${Uploads} service=${service} Sum`,
      `SecureFileService ColdStart function_name=${Downloads} service=${service} Sum`,
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
