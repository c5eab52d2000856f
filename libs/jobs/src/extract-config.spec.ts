import { ConfigError } from '@gen3d/runtime';
import { parseExtractConfig } from './extract-config';

const seed = {
  SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
  DATA_BUCKET: 'gen3d-data-bucket',
  ADMIN_EMAIL: 'info@2112-lab.com',
};

describe('parseExtractConfig', () => {
  it('reads the seed environment with sensible defaults', () => {
    expect(parseExtractConfig(seed)).toEqual({
      endpointName: 'Gen3DSAMAsyncEndpoint',
      dataBucket: 'gen3d-data-bucket',
      maxUploadBytes: 20 * 1024 * 1024,
      requestTtlSeconds: 21600,
      invocationTimeoutSeconds: 3600,
      limits: { maxActiveJobsPerUser: 3, addressDailyCap: 20 },
    });
  });

  it('keeps the invocation timeout below the request TTL', () => {
    expect(() =>
      parseExtractConfig({ ...seed, REQUEST_TTL_SECONDS: '600', INVOCATION_TIMEOUT_SECONDS: '600' }),
    ).toThrow(/INVOCATION_TIMEOUT_SECONDS \(600\) must be below REQUEST_TTL_SECONDS \(600\)/);
    expect(
      parseExtractConfig({ ...seed, REQUEST_TTL_SECONDS: '900', INVOCATION_TIMEOUT_SECONDS: '600' }),
    ).toMatchObject({ requestTtlSeconds: 900, invocationTimeoutSeconds: 600 });
  });

  it.each([
    [{ ...seed, SAGEMAKER_ENDPOINT_NAME: undefined }, /SAGEMAKER_ENDPOINT_NAME is not set/],
    [{ ...seed, DATA_BUCKET: 'Not_A_Bucket' }, /DATA_BUCKET is not an S3 bucket name/],
    [{ ...seed, INVOCATION_TIMEOUT_SECONDS: '3601' }, /INVOCATION_TIMEOUT_SECONDS must be an integer/],
    [{ ...seed, MAX_UPLOAD_BYTES: '-1' }, /MAX_UPLOAD_BYTES must be an integer/],
  ])('refuses %#: a missing or malformed variable is named', (env, message) => {
    expect(() => parseExtractConfig(env)).toThrow(ConfigError);
    expect(() => parseExtractConfig(env)).toThrow(message);
  });
});
