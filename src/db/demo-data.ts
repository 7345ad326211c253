import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from '../jobs/contract';

/** A tiny deterministic generator (mulberry32): seeded data is reproducible across databases. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Subjects worth exploring and exporting: everyday requests, CSV specials and formula starts, multi-line
 * text and non-ASCII (accents, CJK, emoji).
 */
export const DEMO_SUBJECTS = [
  'Printer on fire',
  'Cannot log in, "again"',
  '=HYPERLINK("http://example.test","click")',
  '+33 phone line down',
  '-1 balance on invoice',
  '@channel outage',
  '\tTabbed subject',
  'Multi\nline subject',
  'Café crème ☕ déjà vu',
  'Plain old request',
  'VPN drops every hour',
  'Invoice shows the wrong amount',
  'Dashboard is very slow\nsince the update on Monday',
  'Passwort läuft ab: Übergangslösung?',
  '請求書が届きません',
  'Nouveau portable pour Zoë',
] as const;

/** Draws one value; the generator's only way to pick, so every seed reads the same sequence. */
export function pickFrom<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Status and priority are drawn independently: every combination (open + high too) occurs. */
export function drawStatusAndPriority(rand: () => number): { status: TicketStatus; priority: TicketPriority } {
  const status = pickFrom(rand, TICKET_STATUSES);
  const priority = pickFrom(rand, TICKET_PRIORITIES);
  return { status, priority };
}
