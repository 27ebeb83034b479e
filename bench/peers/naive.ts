/**
 * The parser anyone writes first: `split(';')`, `split('=')`, `trim()`, and `join` to write the
 * header back. No byte checks, no limits, no diagnostics. Written for the benchmark.
 */

export interface PeerParsed {
  root: string | undefined;
  parent: string | undefined;
  sampled: string | undefined;
  lineage: string | undefined;
}

export interface PeerEntered {
  count: number;
  loop: boolean;
  header: string;
}

export function naiveParse(header: string): PeerParsed {
  const parsed: PeerParsed = { root: undefined, parent: undefined, sampled: undefined, lineage: undefined };
  for (const part of header.split(';')) {
    const [key, ...rest] = part.split('=');
    if (rest.length === 0) continue;
    const value = rest.join('=').trim();
    switch (key.trim().toLowerCase()) {
      case 'root':
        parsed.root = value;
        break;
      case 'parent':
        parsed.parent = value;
        break;
      case 'sampled':
        parsed.sampled = value;
        break;
      case 'lineage':
        parsed.lineage = value;
        break;
    }
  }
  return parsed;
}

/** Count an entry of `hash` (8 lowercase hex) in the `loopKey` field, as `LoopGuard.enter` does. */
export function naiveEnter(header: string, hash: string, loopKey: string, threshold: number, maxEntries: number): PeerEntered {
  const parts = header.split(';');
  const wanted = loopKey.toLowerCase();
  let loopPart = -1;
  let lastField = -1;
  for (let i = 0; i < parts.length; i++) {
    const [key, ...rest] = parts[i].split('=');
    if (parts[i].trim() !== '') lastField = i;
    if (rest.length > 0 && key.trim().toLowerCase() === wanted) loopPart = i;
  }
  const entries: Array<[string, number]> = [];
  if (loopPart >= 0) {
    for (const piece of parts[loopPart].split('=').slice(1).join('=').trim().split('|')) {
      const [entryHash, count, extra] = piece.split(':');
      if (extra === undefined && /^[0-9a-fA-F]{8}$/.test(entryHash) && /^[0-9]+$/.test(count ?? '')) entries.push([entryHash.toLowerCase(), Number(count)]);
    }
  }
  const mine = entries.filter(([entryHash]) => entryHash === hash);
  const count = mine.length === 0 ? 1 : Math.max(...mine.map(([, n]) => n)) + 1;
  let others = entries.filter(([entryHash]) => entryHash !== hash);
  const evict = Math.max(0, others.length - (maxEntries - 1));
  if (evict > 0) {
    const ranked = others.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry[1] - b.entry[1] || a.index - b.index);
    const evicted = new Set(ranked.slice(0, evict).map(({ entry }) => entry));
    others = others.filter((entry) => !evicted.has(entry));
  }
  const kept = entries.filter((entry) => entry[0] === hash || others.includes(entry));
  const ownAt = kept.findIndex(([entryHash]) => entryHash === hash);
  const written = kept.filter(([entryHash], i) => entryHash !== hash || i === ownAt).map(([h, n]) => `${h}:${h === hash ? count : n}`);
  if (ownAt < 0) written.push(`${hash}:${count}`);
  const value = written.join('|');
  if (loopPart >= 0) parts[loopPart] = `${parts[loopPart].split('=')[0]}=${value}`;
  else parts.splice(lastField + 1, 0, `${loopKey}=${value}`);
  return { count, loop: count > threshold, header: parts.join(';') };
}
