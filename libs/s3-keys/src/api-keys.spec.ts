import { buildAddressKey, buildApiUserKey, userJobsPrefix } from './api-keys';
import { InvalidKeyError } from './errors';
import { parseDataBucketKey } from './keys';
import { matchNotificationRule } from './notification-rules';

describe('the web API keys', () => {
  const hash = 'a'.repeat(64);

  it('builds the user and address documents under api/, where no event rule fires', () => {
    expect(buildApiUserKey('w3x9')).toBe('api/users/w3x9.json');
    expect(buildAddressKey(hash)).toBe(`api/addresses/${hash}.json`);
    expect(matchNotificationRule(buildApiUserKey('w3x9'))).toBeUndefined();
    expect(matchNotificationRule(buildAddressKey(hash))).toBeUndefined();
  });

  it('refuses a user id that could climb and an address key that is not a hash', () => {
    expect(() => buildApiUserKey('../x')).toThrow(InvalidKeyError);
    expect(() => buildAddressKey('ann@example.com')).toThrow(InvalidKeyError);
  });

  it("lists a user's job documents under the prefix the pipeline writes them", () => {
    const prefix = userJobsPrefix('u1');
    expect(prefix).toBe('users/u1/jobs/');
    expect(parseDataBucketKey(`${prefix}0123456789abcdef/status.json`)).toMatchObject({
      kind: 'job-document',
    });
    expect(() => userJobsPrefix('u1/../u2')).toThrow(InvalidKeyError);
  });
});
