import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5';

function run(...args: string[]): { status: number | null; json: any; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: result.status, json: result.stdout ? JSON.parse(result.stdout) : null, stderr: result.stderr };
}

describe(`cli (${backend.name})`, () => {
  it('parse prints the public JSON contract', () => {
    const { status, json } = run('parse', '--backend', backend.name, HEADER);
    expect(status).toBe(0);
    expect(json).toEqual({
      fields: [
        ['Root', '1-5759e988-bd862e3fe1be46a994272793'],
        ['Parent', '53995c3f42cd8ad8'],
        ['Sampled', '1'],
        ['Lineage', 'a87bd80c:1|68fd508a:5'],
      ],
      root: { value: '1-5759e988-bd862e3fe1be46a994272793', valid: true },
      parent: { value: '53995c3f42cd8ad8', valid: true },
      sampled: { value: '1', valid: true },
      self: null,
      lineage: {
        value: 'a87bd80c:1|68fd508a:5',
        valid: true,
        format: 'v1',
        entries: [
          { hash: 'a87bd80c', count: 1 },
          { hash: '68fd508a', count: 5 },
        ],
      },
      loop: null,
      diagnostics: [],
      header: HEADER,
    });
  });

  it('a hard error prints its code, name and offset and exits with 2', () => {
    expect(run('parse', '--backend', backend.name, 'Root=1\r\nInjected: yes')).toMatchObject({
      status: 2,
      json: { error: { code: 3, name: 'invalid_byte', offset: 6 } },
    });
  });

  it('enter prints the count, the loop verdict and the outgoing header', () => {
    const { status, json } = run('enter', '--backend', backend.name, '--resource', 'orders', '--threshold', '0', HEADER);
    expect(status).toBe(0);
    expect(json).toEqual({
      resource: 'orders',
      resourceHash: json.resourceHash,
      count: 1,
      threshold: 0,
      loop: true,
      evicted: 0,
      dropped: 0,
      header: `${HEADER};LoopGuard=${json.resourceHash}:1`,
    });
    expect(json.resourceHash).toMatch(/^[0-9a-f]{8}$/);
  });

  it('usage errors exit with 1', () => {
    expect(run('parse').status).toBe(1);
    expect(run('enter', HEADER).status).toBe(1);
    expect(run('bogus', HEADER).status).toBe(1);
  });
});
