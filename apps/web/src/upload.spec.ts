import { planUpload } from './upload';

describe('planUpload', () => {
  it('puts a PNG under the user input area, keeping its Unicode name', () => {
    expect(planUpload({ name: 'Chaise café.PNG', size: 10 }, 'u1')).toEqual({
      ok: true,
      key: 'users/u1/input/Chaise café.png',
    });
  });

  it('explains why a file cannot be uploaded', () => {
    expect(planUpload({ name: 'a.jpg', size: 10 }, 'u1')).toEqual({
      ok: false,
      problem: 'Please choose a PNG image.',
    });
    expect(planUpload({ name: 'a.png', size: 0 }, 'u1')).toMatchObject({ ok: false, problem: /empty/ });
    expect(planUpload({ name: '...png', size: 5 }, 'u1')).toMatchObject({
      ok: false,
      problem: /cannot be used/,
    });
  });
});
