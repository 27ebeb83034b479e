/**
 * Backend selection: a named backend (by option, or by `TRACE_LINEAGE_BACKEND=native|wasm|js`)
 * must load, or the error says why, with every load failure in its `cause` chain. `auto` takes,
 * per call shape, the backend measured fastest on this runtime (bench/, "auto, per call shape"):
 * the native addon for every shape where it loads; else WebAssembly, but the TypeScript
 * reference for a header longer than LONG_HEADER units (it skips a long value with `indexOf`
 * faster than the header is copied into linear memory and back); else the reference.
 */
import { jsBackend } from './backends/js.js';
import type { Backend, BackendName } from './backends/types.js';

export type { Backend, BackendName } from './backends/types.js';
export type BackendChoice = BackendName | 'auto';

const unavailable = (name: BackendName) => (): Backend => {
  throw new Error(`the ${name} backend is not part of this build of trace-lineage`);
};
const loaders: Record<BackendName, () => Backend> = {
  native: unavailable('native'),
  wasm: unavailable('wasm'),
  js: () => jsBackend,
};

/** Called once by each entry point for the backends it can load. */
export function registerBackend(name: BackendName, loader: () => Backend): void {
  loaders[name] = loader;
  loaded.delete(name);
  shaped = undefined;
}
const loaded = new Map<BackendName, Backend | Error>();

function tryLoad(name: BackendName): Backend | Error {
  let result = loaded.get(name);
  if (result === undefined) {
    try {
      result = loaders[name]();
    } catch (error) {
      result = error instanceof Error ? error : new Error(String(error));
    }
    loaded.set(name, result);
  }
  return result;
}

function chain(message: string, failures: Error[]): Error {
  return failures.reduceRight<Error>((cause, failure) => new Error(failure.message, { cause }), new Error(message));
}

function parseChoice(value: string, origin: string): BackendChoice {
  if (value === 'auto' || value === 'native' || value === 'wasm' || value === 'js') return value;
  throw new Error(`${origin}: unknown backend "${value}" (expected auto, native, wasm or js)`);
}

/** The backend chosen by `choice`, else by `TRACE_LINEAGE_BACKEND`, else `auto`. */
export function selectBackend(choice?: BackendChoice): Backend {
  // The environment only when no choice is given: reading process.env costs more than a call.
  const fromEnv = choice === undefined && typeof process !== 'undefined' ? process.env?.TRACE_LINEAGE_BACKEND : undefined;
  const wanted = parseChoice(choice ?? fromEnv ?? 'auto', choice ? 'backend' : 'TRACE_LINEAGE_BACKEND');
  if (wanted !== 'auto') {
    const backend = tryLoad(wanted);
    if (backend instanceof Error) {
      throw new Error(`trace-lineage: the ${wanted} backend could not be loaded`, { cause: backend });
    }
    return backend;
  }
  const native = tryLoad('native');
  if (!(native instanceof Error)) return native;
  const wasm = tryLoad('wasm');
  const js = tryLoad('js');
  if (!(wasm instanceof Error) && !(js instanceof Error)) {
    shaped ??= byShape(wasm, js);
    return shaped;
  }
  const loadedOne = [wasm, js].find((backend): backend is Backend => !(backend instanceof Error));
  if (loadedOne !== undefined) return loadedOne;
  throw chain('trace-lineage: no backend could be loaded', [native, wasm, js] as Error[]);
}

/** Above this many UTF-16 units, a single header goes to the reference rather than to WebAssembly. */
export const LONG_HEADER = 1024;

let shaped: Backend | undefined;

/** WebAssembly, with the reference taking single long headers (see the module doc). */
function byShape(wasm: Backend, js: Backend): Backend {
  const pick = (text: string): Backend => (text.length > LONG_HEADER ? js : wasm);
  // Who ran the last enter and the last setField: their results are read from it.
  let entering = wasm;
  let setting = wasm;
  return {
    name: wasm.name,
    parse: (header, options) => pick(header).parse(header, options),
    validateLineage: (value) => pick(value).validateLineage(value),
    enter(header, hash, counter, options) {
      entering = pick(header);
      return entering.enter(header, hash, counter, options);
    },
    enterBatch(headers, hash, counter, options) {
      entering = wasm;
      return wasm.enterBatch(headers, hash, counter, options);
    },
    entered: (index) => entering.entered(index),
    setField(header, key, value, options) {
      setting = pick(header);
      return setting.setField(header, key, value, options);
    },
    inserted: () => setting.inserted(),
    resourceHash: (resource) => wasm.resourceHash(resource),
    codeTables: () => wasm.codeTables(),
  };
}

/** Why each backend that failed to load failed (for diagnostics; empty when all loaded). */
export function loadFailures(): Partial<Record<BackendName, Error>> {
  const failures: Partial<Record<BackendName, Error>> = {};
  for (const [name, result] of loaded) if (result instanceof Error) failures[name] = result;
  return failures;
}
