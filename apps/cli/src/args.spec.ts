import { parseCommand, UsageError } from './args';

describe('parseCommand', () => {
  it('reads a full submit', () => {
    expect(
      parseCommand([
        'submit',
        'chair.png',
        '--email',
        'a@example.com',
        '--point',
        '120,80',
        '--mask',
        'm.png',
        '--quality',
        'high',
        '--wait',
        '--json',
      ]),
    ).toMatchObject({
      command: 'submit',
      image: 'chair.png',
      email: 'a@example.com',
      point: { x: 120, y: 80 },
      mask: 'm.png',
      quality: 'high',
      wait: true,
      json: true,
      aws: false,
      timeoutSeconds: 900,
    });
  });

  it('reads status, list and open, with --aws and --user', () => {
    expect(parseCommand(['status', 'abc12345', '--aws', '--user', 'u1'])).toMatchObject({
      command: 'status',
      jobId: 'abc12345',
      aws: true,
      user: 'u1',
    });
    expect(parseCommand(['list'])).toMatchObject({ command: 'list' });
    expect(parseCommand(['open', 'abc12345', '--out', 'x.ply'])).toMatchObject({
      command: 'open',
      out: 'x.ply',
    });
    expect(parseCommand([])).toEqual({ command: 'help' });
    expect(parseCommand(['list', '--help'])).toEqual({ command: 'help' });
  });

  it.each([
    [['submit', 'a.png', '--colour', 'red'], /Unknown option '--colour'/],
    [['submit', 'a.png', '--quality', 'ultra'], /--quality must be one of fast, standard, high/],
    [['submit', 'a.png', '--point', '12;80'], /--point must be X,Y/],
    [['submit', 'a.png', '--email', 'not-an-address'], /--email is not an email address/],
    [['submit', 'a.png', '--timeout', '10'], /--timeout needs --wait/],
    [['submit'], /submit takes one picture/],
    [['status'], /status takes one job id/],
    [['list', '--wait'], /--wait does not apply to list/],
    [['status', 'j', '--email', 'a@example.com'], /--email does not apply to status/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['status', '123'], /"123" is not a job id/],
    [['open', '../etc/passwd'], /is not a job id/],
  ])('refuses %j with one clear message', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});
