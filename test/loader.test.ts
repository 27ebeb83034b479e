import { afterEach, describe, expect, it } from 'vitest';
import { registerBackend, selectBackend } from '../ts/backend.js';
import { loadNativeBackend } from '../ts/backends/native.js';
import { loadWasmBackend } from '../ts/backends/wasm.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();

describe(`backend loader (${backend.name} run)`, () => {
  afterEach(() => {
    registerBackend('native', loadNativeBackend);
    registerBackend('wasm', loadWasmBackend);
  });

  it('a forced backend that cannot load is an error with the failure as its cause', () => {
    registerBackend('native', () => {
      throw new Error('no addon', { cause: new Error('dlopen failed') });
    });
    let thrown: unknown;
    try {
      selectBackend('native');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const messages: string[] = [];
    for (let e = thrown as Error | undefined; e; e = e.cause as Error | undefined) messages.push(e.message);
    expect(messages).toEqual(['trace-lineage: the native backend could not be loaded', 'no addon', 'dlopen failed']);
  });

  it('auto falls back native → wasm → js', () => {
    registerBackend('native', () => {
      throw new Error('no addon');
    });
    expect(selectBackend('auto').name).toBe('wasm');
    registerBackend('wasm', () => {
      throw new Error('no wasm');
    });
    expect(selectBackend('auto').name).toBe('js');
  });

  it('rejects an unknown backend name', () => {
    expect(() => selectBackend('fast' as never)).toThrow(/unknown backend/);
  });
});
