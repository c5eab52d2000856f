// Jest globalSetup/globalTeardown: one moto server (from the repository's .venv, moto[server] from PyPI) on a free
// 127.0.0.1 port for a test run. Tests read its address from GEN3D_TEST_MOTO_ENDPOINT and use the real AWS SDK v3.
const { spawn } = require('node:child_process');
const { createServer } = require('node:net');
const path = require('node:path');

const root = path.join(__dirname, '../..');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function setup() {
  const port = await freePort();
  const child = spawn(path.join(root, '.venv/bin/moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    detached: false,
  });
  globalThis.__GEN3D_MOTO__ = child;
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('moto_server did not start within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.GEN3D_TEST_MOTO_ENDPOINT = endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
}

async function teardown() {
  const child = globalThis.__GEN3D_MOTO__;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

module.exports = { setup, teardown };
