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
        '--shape',
        'revolve',
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
      shape: 'revolve',
      wait: true,
      json: true,
      aws: false,
      timeoutSeconds: 900,
    });
  });

  it('refuses a shape it does not know, in one line', () => {
    expect(() => parseCommand(['submit', 'a.png', '--shape', 'cube'])).toThrow(
      new UsageError('--shape must be one of auto, inflate, revolve, slab; got cube'),
    );
    expect(() => parseCommand(['status', '0123456789abcdef', '--shape', 'slab'])).toThrow(UsageError);
  });

  it('reads prompts, formats and the face budget (issue 12)', () => {
    expect(
      parseCommand([
        'submit',
        'a.png',
        '--point',
        '10,20',
        '--point',
        '30,40',
        '--negative-point',
        '1,2',
        '--box',
        '0,0,100,80',
        '--formats',
        'glb,STL',
        '--target-faces',
        '20000',
      ]),
    ).toMatchObject({
      point: undefined,
      points: [
        { x: 10, y: 20, label: 1 },
        { x: 30, y: 40, label: 1 },
        { x: 1, y: 2, label: 0 },
      ],
      box: { x0: 0, y0: 0, x1: 100, y1: 80 },
      formats: ['glb', 'stl'],
      targetFaces: 20000,
    });
    // One --point alone stays the single point prompt, as before.
    expect(parseCommand(['submit', 'a.png', '--point', '5,6'])).toMatchObject({
      point: { x: 5, y: 6 },
      points: undefined,
    });
    expect(parseCommand(['open', '0123456789abcdef', '--format', 'glb'])).toMatchObject({ format: 'glb' });
    expect(parseCommand(['open', '0123456789abcdef'])).toMatchObject({ format: 'ply' });
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
    [['submit', 'a.png', '--negative-point', '1'], /--negative-point must be X,Y/],
    [['submit', 'a.png', '--box', '1,2,3'], /--box must be X0,Y0,X1,Y1/],
    [['submit', 'a.png', '--box', '50,2,3,40'], /x1 > x0 and y1 > y0/],
    [['submit', 'a.png', '--formats', 'glb,fbx'], /--formats takes some of ply,glb,stl,3mf,obj/],
    [['submit', 'a.png', '--formats', 'glb,glb'], /a format is named twice/],
    [['submit', 'a.png', '--target-faces', '50'], /--target-faces: Too small/],
    [['submit', 'a.png', '--target-faces', 'many'], /--target-faces must be a whole number/],
    [['open', '0123456789abcdef', '--format', 'fbx'], /--format must be one of ply, glb, stl, 3mf, obj/],
    [['status', '0123456789abcdef', '--formats', 'glb'], /--formats does not apply to status/],
    [['status', '123'], /"123" is not a job id/],
    [['open', '../etc/passwd'], /is not a job id/],
    [['submit', 'a.png', '--wait', '--timeout', '1.5'], /--timeout must be whole seconds; got 1.5/],
    [['list', 'extra'], /list takes no arguments/],
    [['open', '0123456789abcdef', 'x.ply'], /open takes one job id; got 2/],
    [['open', '0123456789abcdef', '--wait'], /--wait does not apply to open/],
    // A flag that does not apply is said before a bad argument; the first bad submit flag, in the order of USAGE.
    [['status', '123', '--out', 'x'], /--out does not apply to status/],
    [['submit', 'a.png', '--email', 'x', '--box', '1'], /--email is not an email address/],
    [['submit', 'a.png', '--target-faces', '5', '--quality', 'ultra'], /--target-faces: Too small/],
    [['frobnicate', '--out', 'x'], /unknown command "frobnicate"/],
  ])('refuses %j with one clear message', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
  it('reads a retry with new prompts and shape, checked as submit checks them', () => {
    expect(
      parseCommand([
        'retry',
        '0123456789abcdef',
        '--point',
        '5,6',
        '--negative-point',
        '1,1',
        '--box',
        '0,0,40,30',
        '--shape',
        'slab',
      ]),
    ).toMatchObject({
      command: 'retry',
      jobId: '0123456789abcdef',
      point: undefined,
      points: [
        { x: 5, y: 6, label: 1 },
        { x: 1, y: 1, label: 0 },
      ],
      box: { x0: 0, y0: 0, x1: 40, y1: 30 },
      shape: 'slab',
    });
    expect(parseCommand(['retry', '0123456789abcdef'])).toMatchObject({ point: undefined, box: undefined });
    expect(() => parseCommand(['retry', '0123456789abcdef', '--box', '9,9,1,1'])).toThrow(UsageError);
    expect(() => parseCommand(['retry', '0123456789abcdef', '--quality', 'high'])).toThrow(
      new UsageError('--quality does not apply to retry'),
    );
    expect(() => parseCommand(['retry', 'chair'])).toThrow(/is not a job id/);
  });

  it('reads delete with one job id and nothing else', () => {
    expect(parseCommand(['delete', '0123456789abcdef', '--aws'])).toMatchObject({
      command: 'delete',
      jobId: '0123456789abcdef',
      aws: true,
    });
    expect(() => parseCommand(['delete'])).toThrow(new UsageError('delete takes one job id; got 0'));
    expect(() => parseCommand(['delete', '0123456789abcdef', '--point', '1,1'])).toThrow(UsageError);
  });

  it('makes export name the user and the folder', () => {
    expect(parseCommand(['export', '--user', 'w123', '--to', 'out'])).toMatchObject({
      command: 'export',
      user: 'w123',
      to: 'out',
    });
    expect(() => parseCommand(['export', '--to', 'out'])).toThrow(/needs --user/);
    expect(() => parseCommand(['export', '--user', 'w123'])).toThrow(/needs --to/);
    expect(() => parseCommand(['status', '0123456789abcdef', '--to', 'x'])).toThrow(
      new UsageError('--to does not apply to status'),
    );
  });

  it('redrives the local stack, or with --aws the seed’s on-failure queues unless others are named', () => {
    expect(parseCommand(['redrive'])).toMatchObject({ command: 'redrive', aws: false, dryRun: false });
    expect(parseCommand(['redrive', '--aws'])).toMatchObject({
      command: 'redrive',
      aws: true,
      queues: ['Gen3DExtractLambda-Failures', 'Gen3DNotifyLambda-Failures'],
      dryRun: false,
    });
    expect(
      parseCommand(['redrive', '--aws', '--queue', 'Sandbox-Gen3DNotifyLambda-Failures', '--dry-run']),
    ).toMatchObject({ queues: ['Sandbox-Gen3DNotifyLambda-Failures'], dryRun: true });
    expect(() => parseCommand(['redrive', 'extract'])).toThrow(/takes no arguments/);
    expect(() => parseCommand(['redrive', '--dry-run'])).toThrow(
      new UsageError('--dry-run applies to redrive --aws only'),
    );
    expect(() => parseCommand(['redrive', '--queue', 'q'])).toThrow(
      new UsageError('--queue applies to redrive --aws only'),
    );
    expect(() => parseCommand(['redrive', '--aws', '--queue', 'https://sqs/q'])).toThrow(
      /--queue takes an SQS queue name/,
    );
    expect(() => parseCommand(['list', '--dry-run'])).toThrow(
      new UsageError('--dry-run does not apply to list'),
    );
  });
});
