// findColourMappings finds code that maps a run status, outcome or severity to a colour itself,
// instead of asking the badge catalogue (src/badges.ts). The rule, precisely:
//
//   a "state token"  — a quoted string that is exactly a status/outcome/severity value
//                      ('failed', "queued", `high`) or such a value used as an object key (failed:)
//   a "colour token" — a quoted string that contains a colour or tone word as a word
//                      ('danger', "badge--red", 'text-green-700'), a hex colour or rgb()/hsl()
//
// Both within two lines of each other (comments ignored) is a mapping: `{ failed: 'danger' }`,
// `case 'failed': return 'red'`, `outcome === 'failed' ? 'danger' : …`. A consumer of the
// catalogue — <Badge kind="outcome" value={run.outcome} />, badgeFor('outcome', o).label — has no
// colour token and is never flagged, nor is a list of tabs such as { key: 'failed', label: 'Failed' }.

export const STATE_WORDS = [
  'queued',
  'running',
  'completed',
  'pending',
  'succeeded',
  'partially_succeeded',
  'partial',
  'failed',
  'cancelled',
  'blocked',
  'low',
  'medium',
  'high',
];

export const COLOUR_WORDS = [
  'success',
  'warning',
  'danger',
  'info',
  'gray',
  'grey',
  'neutral',
  'red',
  'green',
  'yellow',
  'amber',
  'orange',
  'blue',
  'purple',
  'emerald',
  'rose',
  'slate',
];

const WINDOW = 2;

const words = STATE_WORDS.join('|');
const stateQuoted = new RegExp(`(['"\`])(?:${words})\\1`);
const stateKey = new RegExp(`(?:^|[{,\\s])(?:${words})\\s*:(?!:)`);
const colourQuoted = new RegExp(`(['"\`])[^'"\`\\n]*?\\b(?:${COLOUR_WORDS.join('|')})\\b[^'"\`\\n]*?\\1`, 'i');
const colourValue = /(['"`])\s*(?:#[0-9a-f]{3,8}|(?:rgb|rgba|hsl|hsla)\([^)]*\))\s*\1/i;

export interface Finding {
  line: number; // 1-based, of the state token
  text: string;
}

// stripComments blanks out comments, keeping line numbers.
export function stripComments(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, (m, pre: string) => pre + ' '.repeat(m.length - pre.length));
}

export function findColourMappings(src: string): Finding[] {
  const lines = stripComments(src).split('\n');
  const state: number[] = [];
  const colour: number[] = [];
  lines.forEach((l, i) => {
    if (stateQuoted.test(l) || stateKey.test(l)) state.push(i);
    if (colourQuoted.test(l) || colourValue.test(l)) colour.push(i);
  });
  const out: Finding[] = [];
  for (const s of state) {
    if (colour.some((c) => Math.abs(c - s) <= WINDOW)) out.push({ line: s + 1, text: lines[s].trim() });
  }
  return out;
}
