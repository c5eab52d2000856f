import { synthesize } from './testing';

// A new account (Lambda quota 10) can reserve nothing: with `none`, the functions use the unreserved pool.
const small = synthesize(
  {},
  {
    GEN3D_EXTRACT_RESERVED_CONCURRENCY: 'none',
    GEN3D_NOTIFY_RESERVED_CONCURRENCY: 'none',
    GEN3D_API_RESERVED_CONCURRENCY: '5',
  },
);
const reserved = (id: string) =>
  Object.values(small.json(id).Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.['FunctionName'] !== undefined)
    .map((r) => [r.Properties?.['FunctionName'], r.Properties?.['ReservedConcurrentExecutions']]);

describe('reserved concurrency as a setting', () => {
  it('reserves nothing for a function set to none, and the number given otherwise', () => {
    expect(reserved('Gen3DExtractStack')).toEqual([['Gen3DExtractLambda', undefined]]);
    expect(reserved('Gen3DNotifyStack')).toEqual([['Gen3DNotifyLambda', undefined]]);
    expect(reserved('Gen3DApiStack')).toEqual([['Gen3DApiLambda', 5]]);
  });
});
