/**
 * vitest globalSetup: moto's server (installed in .venv by `npm run setup`) on a free loopback
 * port for the run, stopped after it. The tests get its URL with `inject('motoEndpoint')`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
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

async function waitUntilUp(endpoint: string, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const exit = exited();
    if (exit !== undefined) throw new Error(`moto_server exited before it was up: ${exit}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(MOTO_SERVER)) throw new Error(`${MOTO_SERVER} is missing: run \`npm run setup\` (it installs moto[server] into .venv)`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exit: string | undefined;
  server.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  server.once('exit', (code, signal) => (exit = `code ${code}, signal ${signal}\n${stderr}`));
  await waitUntilUp(endpoint, () => exit);
  project.provide('motoEndpoint', endpoint);
  return async () => {
    if (exit !== undefined) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  };
}
