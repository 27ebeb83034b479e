/**
 * vitest globalSetup: moto's server (installed in .venv by `npm run setup`) on a free loopback
 * port for the run, stopped after it. The tests get its URL with `inject('motoEndpoint')`.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

const MOTO_SERVER = fileURLToPath(new URL('../../.venv/bin/moto_server', import.meta.url));

function freePort(): Promise<number> {
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
 * Resolves when moto's server says it is listening (werkzeug's "Running on" line on stderr),
 * rejects if it exits first: no clock involved.
 */
function listening(server: ChildProcessByStdio<null, null, Readable>, endpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const onData = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      if (stderr.includes(`Running on ${endpoint}`)) {
        server.stderr.off('data', onData);
        server.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null): void =>
      reject(new Error(`moto_server exited before it was up: code ${code}, signal ${signal}\n${stderr}`));
    server.stderr.on('data', onData);
    server.once('exit', onExit);
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(MOTO_SERVER)) throw new Error(`${MOTO_SERVER} is missing: run \`npm run setup\` (it installs moto[server] into .venv)`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let exited = false;
  server.once('exit', () => (exited = true));
  await listening(server, endpoint);
  server.stderr.resume(); // keep draining what it logs
  project.provide('motoEndpoint', endpoint);
  return async () => {
    if (exited) return;
    const stopped = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await stopped;
  };
}
