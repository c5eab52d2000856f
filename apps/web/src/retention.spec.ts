import { keptUntilText } from './retention';

describe('until when the files are kept', () => {
  const british = (date: Date) => date.toLocaleDateString('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

  it("says the API's date in the reader's words", () => {
    expect(keptUntilText('2027-01-05T10:00:00.000Z', british)).toBe('Files kept until 5 January 2027');
  });

  it('says nothing when the API did not say, or said nonsense', () => {
    expect(keptUntilText(undefined, british)).toBeUndefined();
    expect(keptUntilText('', british)).toBeUndefined();
    expect(keptUntilText('next week', british)).toBeUndefined();
  });
});
