import { keptUntilText } from './retention';

describe('until when the files are kept', () => {
  it("says the API's date in the reader's words", () => {
    expect(keptUntilText('2027-01-05T10:00:00.000Z', 'en-GB')).toBe('Files kept until 5 January 2027');
    expect(keptUntilText('2027-01-05T10:00:00.000Z', 'en-US')).toBe('Files kept until January 5, 2027');
  });

  it('names the day the result email names (the UTC day), whatever the reader’s time zone', () => {
    // The tests run at UTC+14 (jest.config.cjs): late on 5 January in UTC is already the 6th here.
    expect(new Date('2027-01-05T23:30:00.000Z').getDate()).toBe(6);
    expect(keptUntilText('2027-01-05T23:30:00.000Z', 'en-GB')).toBe('Files kept until 5 January 2027');
    expect(keptUntilText('2027-01-05T00:30:00.000Z', 'en-GB')).toBe('Files kept until 5 January 2027');
  });

  it('says nothing when the API did not say, or said nonsense', () => {
    expect(keptUntilText(undefined, 'en-GB')).toBeUndefined();
    expect(keptUntilText('', 'en-GB')).toBeUndefined();
    expect(keptUntilText('next week', 'en-GB')).toBeUndefined();
  });
});
