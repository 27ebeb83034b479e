/**
 * The browser build in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * `trace-lineage/browser` from the installed tarball, bundled by esbuild as a web app bundles it,
 * in a page served from node:http on 127.0.0.1, twice: under a Content-Security-Policy that allows
 * `'wasm-unsafe-eval'` (WebAssembly runs) and under a strict one without it (compiling the inlined
 * module is refused: the TypeScript reference runs, `loadFailures().wasm` says why, and Chromium
 * reports the violation). Both pages answer 300 random headers (the property tests' `anyHeader`)
 * exactly as Node does.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../ts/index.js';
import { anyHeader } from '../support.js';
import { answers } from './browser-answers.js';
import { installedProject } from './tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ESBUILD = resolve(ROOT, 'node_modules/.bin/esbuild');
const CHROMIUM = '/usr/bin/chromium'; // Debian's package (scripts/setup.sh installs it)
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
const RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
const EXPECTED = `${HEADER};LoopGuard=982a753f:1`;
// A new seed each run (printed in the suite's name, to replay a failure).
const SEED = randomInt(2 ** 31);
const HEADERS = fc.sample(anyHeader, { seed: SEED, numRuns: 300 });

const CSP = {
  'wasm-allowed': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'",
  strict: "default-src 'none'; script-src 'self'",
} as const;
type Policy = keyof typeof CSP;

/**
 * The page's script: what ran, why the others did not, one `enter`, the answers to HEADERS, and
 * the CSP violations Chromium reported (under the strict policy, waited for: the event is a task
 * of its own), written into `<body data-result>`.
 */
const PAGE = `
import * as api from 'trace-lineage/browser';
import { answers } from ${JSON.stringify(join(ROOT, 'test/package/browser-answers.ts'))};
import headers from './headers.json';

const violations = [];
let violated;
const violation = new Promise((resolve) => (violated = resolve));
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(event.effectiveDirective + ' ' + event.blockedURI);
  violated();
});
const backend = api.backendName();
const failures = Object.fromEntries(
  Object.entries(api.loadFailures()).map(([name, error]) => [name, String(error.message) + ' <- ' + String(error.cause?.message)]),
);
const entered = new api.LoopGuard(${JSON.stringify(RESOURCE)}).enter(${JSON.stringify(HEADER)}).header;
const lines = answers(api, headers);
if (backend !== 'wasm') await Promise.race([violation, new Promise((resolve) => setTimeout(resolve, 2000))]);
document.body.dataset.result = JSON.stringify({ backend, failures, entered, answers: lines, violations });
`;

interface PageReport {
  backend: string;
  failures: Record<string, string>;
  entered: string;
  answers: string[];
  violations: string[];
}

let server: Server;
let origin: string;
let browser: Browser;
beforeAll(async () => {
  const project = installedProject();
  writeFileSync(join(project, 'headers.json'), JSON.stringify(HEADERS));
  writeFileSync(join(project, 'page.js'), PAGE);
  execFileSync(ESBUILD, ['page.js', '--bundle', '--format=esm', '--platform=browser', '--target=es2022', '--outfile=dist/page.js', '--log-level=error'], { cwd: project });
  const script = readFileSync(join(project, 'dist/page.js'));
  const html = '<!doctype html><meta charset="utf-8"><title>trace-lineage</title><script type="module" src="/page.js"></script>';
  server = createServer((request, response) => {
    const policy = request.url?.match(/^\/([a-z-]+)\/$/)?.[1];
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (policy !== undefined && policy in CSP) {
      response.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': CSP[policy as Policy] }).end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Playwright starts Chromium with --no-sandbox unless asked for the sandbox (chromiumSandbox),
  // which Chromium cannot use as root, as this machine runs the tests.
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((closed) => server?.close(closed));
});

/** Open the page under `policy` and read its report. */
async function visit(policy: Policy): Promise<PageReport> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(`${origin}/${policy}/`);
    const body = await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 20_000 });
    expect(errors).toEqual([]);
    return JSON.parse((await body.getAttribute('data-result')) as string) as PageReport;
  } finally {
    await page.close();
  }
}

describe(`the browser build in headless Chromium (${HEADERS.length} random headers, seed ${SEED})`, () => {
  const expectedAnswers = answers(api, HEADERS);

  it("CSP with 'wasm-unsafe-eval': WebAssembly runs and answers as Node does", async () => {
    const report = await visit('wasm-allowed');
    expect(report.backend).toBe('wasm');
    expect(Object.keys(report.failures)).toEqual(['native']); // not part of the browser build
    expect(report.violations).toEqual([]);
    expect(report.entered).toBe(EXPECTED);
    expect(report.answers).toEqual(expectedAnswers);
  });

  it("strict CSP (no 'wasm-unsafe-eval'): the TypeScript reference runs, loadFailures().wasm says why, same answers", async () => {
    const report = await visit('strict');
    expect(report.backend).toBe('js');
    expect(Object.keys(report.failures)).toEqual(['native', 'wasm']);
    expect(report.failures.wasm).toMatch(/^trace-lineage: the WebAssembly module could not be instantiated <- WebAssembly\.Module\(\): .*Content Security Policy directive: "script-src 'self'"/);
    expect(report.violations).toEqual([expect.stringMatching(/^script-src wasm-eval$/)]);
    expect(report.entered).toBe(EXPECTED);
    expect(report.answers).toEqual(expectedAnswers);
  });
});
