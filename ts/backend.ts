/**
 * Backend selection: a named backend (by option, or by `TRACE_LINEAGE_BACKEND=native|wasm|js`)
 * must load, or the error says why, with every load failure in its `cause` chain. `auto` takes
 * the first that loads of native → wasm → js: the order measured fastest on every call shape
 * (bench/, "auto, per call shape": native beats wasm, and wasm the reference, on each).
 */
import type { Backend, BackendName } from './backends/types.js';

export type { Backend, BackendName } from './backends/types.js';
export type BackendChoice = BackendName | 'auto';

const unavailable = (name: BackendName) => (): Backend => {
  throw new Error(`the ${name} backend is not part of this build of trace-lineage`);
};
const loaders: Record<BackendName, () => Backend> = {
  native: unavailable('native'),
  wasm: unavailable('wasm'),
  js: unavailable('js'),
};

/** Called once by each entry point for the backends it can load. */
export function registerBackend(name: BackendName, loader: () => Backend): void {
  loaders[name] = loader;
  loaded.delete(name);
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
  const failures: Error[] = [];
  for (const name of ['native', 'wasm', 'js'] as const) {
    const backend = tryLoad(name);
    if (!(backend instanceof Error)) return backend;
    failures.push(backend);
  }
  throw chain('trace-lineage: no backend could be loaded', failures);
}

/**
 * The js backend: the one whose buffers have no size limit, for arguments too large for the
 * compiled backends' (the API sends those here, whatever backend was chosen).
 */
export const unboundedBackend = (): Backend => selectBackend('js');

/** Why each backend that failed to load failed (for diagnostics; empty when all loaded). */
export function loadFailures(): Partial<Record<BackendName, Error>> {
  const failures: Partial<Record<BackendName, Error>> = {};
  for (const [name, result] of loaded) if (result instanceof Error) failures[name] = result;
  return failures;
}
