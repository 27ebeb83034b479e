/**
 * The corpus: realistic trace headers, each in VARIANTS distinct strings (a different trace id
 * and parent in each, so that nothing can be cached by content), and what a correct answer is
 * for each one, written out here rather than computed by the code under test.
 */

/** The resource every hot-path contender enters (a Lambda function ARN). */
export const RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
/** FNV-1a 32 of RESOURCE's UTF-8 bytes, as our loop field writes it (the README's "The loop counter"). */
export const RESOURCE_HASH = '982a753f';
export const LOOP_KEY = 'LoopGuard';
export const THRESHOLD = 16;
export const MAX_ENTRIES = 8;
export const MAX_LENGTH = 8192;
export const VARIANTS = 64;

export interface Variant {
  header: string;
  /** The typed values a correct parser reads. */
  root: string;
  parent: string;
  sampled: string;
  lineage: string | null;
  /** The hot path (enter RESOURCE): the outgoing header, byte for byte, and the count. */
  outgoing: string;
  count: number;
}

export interface CorpusHeader {
  name: string;
  description: string;
  variants: Variant[];
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** A flat, non-internalised copy, as a string read from a socket is (never a rope or a constant). */
export const fresh = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');

interface Shape {
  name: string;
  description: string;
  /** The header, from the variant's Root and Parent. */
  header(root: string, parent: string): string;
  lineage: string | null;
  /** The outgoing header after entering RESOURCE, and the count. */
  entered(header: string): [string, number];
}

const own = `${RESOURCE_HASH}`;
const appended = (header: string): [string, number] => [`${header};${LOOP_KEY}=${own}:1`, 1];
const short = (root: string, parent: string): string => `Root=${root};Parent=${parent};Sampled=1`;
const CAPPED = '11111111:3|22222222:1|33333333:2|44444444:1|55555555:4|66666666:2|77777777:1|88888888:5';

const SHAPES: Shape[] = [
  {
    name: 'short',
    description: 'Root, Parent, Sampled (74 B): what most services receive',
    header: short,
    lineage: null,
    entered: appended,
  },
  {
    name: 'lineage-v1',
    description: 'with a V1 Lineage of one entry (93 B)',
    header: (root, parent) => `${short(root, parent)};Lineage=a87bd80c:1`,
    lineage: 'a87bd80c:1',
    entered: appended,
  },
  {
    name: 'lineage-v2',
    description: 'with a V2 Lineage (95 B)',
    header: (root, parent) => `${short(root, parent)};Lineage=1:fe460cdd:0`,
    lineage: '1:fe460cdd:0',
    entered: appended,
  },
  {
    name: 'long',
    description: 'Self, unknown fields, Lineage and our loop field with our entry at 3 (364 B)',
    header: (root, parent) =>
      `Root=${root};Parent=${parent};Sampled=1;Self=1-67891233-abcdef012345678912345678;` +
      'CalledFrom=arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/orders;tenant=acme-corp-eu-west-1;' +
      `deploy=2024-11-05T12:00:00Z;${LOOP_KEY}=a87bd80c:2|${own}:3;feature-flags=checkout-v2,fast-path;Lineage=1:fe460cdd:0`,
    lineage: '1:fe460cdd:0',
    entered: (header) => [header.replace(`${own}:3`, `${own}:4`), 4],
  },
  {
    name: 'loop-at-cap',
    description: `our loop field at its cap of ${MAX_ENTRIES} entries, ours absent: entering evicts the lowest count (173 B)`,
    header: (root, parent) => `${short(root, parent)};${LOOP_KEY}=${CAPPED}`,
    lineage: null,
    entered: (header) => [`${header.replace('22222222:1|', '')}|${own}:1`, 1],
  },
  {
    name: 'malformed',
    description: 'whitespace, an empty field, a field without "=", a trailing ";" (88 B): lenient cases',
    header: (root, parent) => ` Root=${root} ;; Parent=${parent};Flag;Sampled=1;`,
    lineage: null,
    entered: (header) => [`${header.slice(0, -1)};${LOOP_KEY}=${own}:1;`, 1],
  },
  {
    name: 'limit',
    description: `a padding field, so that the outgoing header is exactly ${MAX_LENGTH} B, the limit (8171 B)`,
    header: (root, parent) => {
      const head = `${short(root, parent)};Pad=`;
      return head + 'p'.repeat(MAX_LENGTH - `;${LOOP_KEY}=${own}:1`.length - head.length);
    },
    lineage: null,
    entered: appended,
  },
];

/** The corpus: every shape in VARIANTS variants. */
export const CORPUS: CorpusHeader[] = SHAPES.map((shape) => ({
  name: shape.name,
  description: shape.description,
  variants: Array.from({ length: VARIANTS }, (_, i) => {
    const root = `1-5759e988-bd862e3fe1be46a9942727${hex2(i)}`;
    const parent = `53995c3f42cd8a${hex2(255 - i)}`;
    const header = shape.header(root, parent);
    const [outgoing, count] = shape.entered(header);
    return { header: fresh(header), root, parent, sampled: '1', lineage: shape.lineage, outgoing, count };
  }),
}));
