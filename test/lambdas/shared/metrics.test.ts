import {
  measureLatency,
  metrics,
  recordPartsSigned,
  recordRefusal,
  recordRequestId,
  recordUploadDeclared,
  recordUrlIssued,
} from '../../../lambdas/shared/metrics';
import { captureMetrics } from '../../emf';

const service = 'test-file-service';
let emf: ReturnType<typeof captureMetrics>;

beforeEach(() => {
  metrics.clearMetrics();
  emf = captureMetrics();
});
afterEach(() => emf.restore());

describe('the metrics module', () => {
  it('batches the parts signed for a multipart upload under the service alone, until the flush', () => {
    recordPartsSigned(8);
    expect(emf.lines()).toEqual([]);

    metrics.publishStoredMetrics();

    expect(emf.datapoints()).toEqual([
      { namespace: 'SecureFileService', metric: 'PartsSigned', unit: 'Count', value: 8, dimensions: { service } },
    ]);
  });

  it("writes a breakdown and its total from one value, in the invocation's one line", () => {
    recordUploadDeclared(5000);
    expect(emf.lines()).toEqual([]);

    metrics.publishStoredMetrics();

    expect(emf.lines()).toHaveLength(1);
    expect(emf.datapoints()).toEqual([
      { namespace: 'SecureFileService', metric: 'UploadBytes', unit: 'Bytes', value: 5000, dimensions: { service } },
      { namespace: 'SecureFileService', metric: 'UploadBytes', unit: 'Bytes', value: 5000, dimensions: { service, operation: 'upload' } },
    ]);
  });

  it("writes an upload's size and its URL under one directive: they share their dimension sets", () => {
    recordUploadDeclared(5000);
    recordUrlIssued('upload');
    metrics.publishStoredMetrics();

    const [line] = emf.lines();
    expect(line?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'SecureFileService',
        Dimensions: [['service'], ['service', 'operation']],
        Metrics: [
          { Name: 'UploadBytes', Unit: 'Bytes' },
          { Name: 'UrlsIssued', Unit: 'Count' },
        ],
      },
    ]);
  });

  it('writes a second value of a breakdown dimension in a line of its own, never under the first value', () => {
    recordUrlIssued('upload');
    recordUrlIssued('download');
    metrics.publishStoredMetrics();

    expect(emf.lines()).toHaveLength(2);
    expect(emf.datapoints().filter(({ dimensions }) => dimensions.operation)).toEqual([
      expect.objectContaining({ metric: 'UrlsIssued', value: 1, dimensions: { service, operation: 'upload' } }),
      expect.objectContaining({ metric: 'UrlsIssued', value: 1, dimensions: { service, operation: 'download' } }),
    ]);
  });

  it('writes nothing for an invocation with neither a metric nor an audit record', () => {
    metrics.publishStoredMetrics();

    expect(emf.lines()).toEqual([]);
  });

  it('keeps each breakdown dimension on its own metric', () => {
    recordUrlIssued('download');
    recordRefusal('NOT_FOUND');
    metrics.publishStoredMetrics();

    const breakdowns = emf.datapoints().filter(({ dimensions }) => Object.keys(dimensions).length > 1);
    expect(breakdowns.map(({ metric, dimensions }) => ({ metric, dimensions }))).toEqual([
      { metric: 'UrlsIssued', dimensions: { service, operation: 'download' } },
      { metric: 'Refusals', dimensions: { service, code: 'NOT_FOUND' } },
    ]);
  });

  it('records how long a call took, in milliseconds to a tenth', async () => {
    const clock = jest.spyOn(performance, 'now').mockReturnValueOnce(1000).mockReturnValueOnce(1012.3456);

    await measureLatency('sts', () => Promise.resolve('answer'));
    clock.mockRestore();
    metrics.publishStoredMetrics();

    expect(emf.datapoints()).toEqual([expect.objectContaining({ metric: 'StsLatency', unit: 'Milliseconds', value: 12.3 })]);
  });

  it('records the latency of a failed call and lets its error through', async () => {
    const failure = new Error('connection reset');

    await expect(measureLatency('s3', () => Promise.reject(failure))).rejects.toBe(failure);
    metrics.publishStoredMetrics();

    expect(emf.datapoints()).toEqual([expect.objectContaining({ metric: 'S3Latency', unit: 'Milliseconds', value: expect.any(Number) })]);
  });

  it('carries the request id as a property of the batch, not as a dimension', () => {
    recordRequestId('req-456');
    recordPartsSigned(1);

    metrics.publishStoredMetrics();

    const [batch] = emf.lines();
    expect(batch?.requestId).toBe('req-456');
    expect(batch?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
  });
});
