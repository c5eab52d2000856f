import { fixtures } from '@gen3d/events/testing';
const batch = fixtures.s3BatchMixed;
const putInput = fixtures.s3PutInput;
const putOutput = fixtures.s3PutOutput;
import { inputRecordsOf } from './records';

describe('inputRecordsOf', () => {
  it('accepts an upload under users/{userId}/input/ with its decoded name', () => {
    const [outcome] = inputRecordsOf(putInput);
    expect(outcome).toMatchObject({ ok: true, input: { userId: 'u1', name: 'my photo (1)' } });
  });

  it('rejects a key outside the input area, saying why', () => {
    expect(inputRecordsOf(putOutput)[0]).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/kind "input"/),
    });
  });

  it('judges each record of a batch on its own', () => {
    expect(inputRecordsOf(batch).map((o) => o.ok)).toEqual([true, false, false]);
  });
});
