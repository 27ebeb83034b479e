/** The WebAssembly module's bytes (decoded when called). */
export declare function wasmBytes(): Uint8Array<ArrayBuffer>;
