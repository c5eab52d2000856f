import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { workspaceRoot } from '../src/workspace';

/** A moto server of its own with IAM enforced after its first three calls (which create the admin). */
export interface IamMoto {
  readonly moto: ChildProcess;
  readonly endpoint: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `launcher` (a moto_server wrapper in this folder that checks what moto alone does not: s3:prefix
 * conditions, the resources of Secrets Manager and SSM requests) on a free loopback port; the caller kills it.
 */
export async function startIamMoto(launcher: string): Promise<IamMoto> {
  const root = workspaceRoot();
  const port = await freePort();
  const server = join(root, 'apps', 'infra', 'tests', launcher);
  const moto = spawn(join(root, '.venv', 'bin', 'python'), [server, '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3' },
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${endpoint}/moto-api/data.json`);
      return { moto, endpoint };
    } catch {
      if (attempt > 300) {
        moto.kill('SIGTERM');
        throw new Error(`${launcher} did not start`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
