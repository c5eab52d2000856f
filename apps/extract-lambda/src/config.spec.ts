import { ConfigError, parseExtractConfig } from './config';

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
      adminEmail: 'info@2112-lab.com',
      maxInputBytes: 50 * 1024 * 1024,
      requestTtlSeconds: 21600,
      invocationTimeoutSeconds: 900,
    });
  });

  it.each([
    [{ ...seed, SAGEMAKER_ENDPOINT_NAME: undefined }, /SAGEMAKER_ENDPOINT_NAME is not set/],
    [{ ...seed, DATA_BUCKET: 'Not_A_Bucket' }, /DATA_BUCKET is not an S3 bucket name/],
    [{ ...seed, ADMIN_EMAIL: 'nobody' }, /ADMIN_EMAIL is not an email address/],
    [{ ...seed, MAX_INPUT_BYTES: '-1' }, /MAX_INPUT_BYTES must be an integer/],
  ])('refuses %#: a missing or malformed variable is named', (env, message) => {
    expect(() => parseExtractConfig(env)).toThrow(ConfigError);
    expect(() => parseExtractConfig(env)).toThrow(message);
  });
});
