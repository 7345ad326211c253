import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TICKET_EVENT_TYPES } from '../../src/jobs/contract';

const ROOT = path.resolve(__dirname, '..', '..');

describe('npm run mail:preview', () => {
  it('writes an index page that looks like the product: its stylesheet, top bar, a card and a table of every event type', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-preview-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'mail-preview.ts'), out], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: out, NODE_ENV: 'development' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
      const css = fs.readFileSync(path.join(ROOT, 'src', 'api', 'public', 'styles.css'), 'utf8');
      expect(index).toContain(css);
      expect(index).toContain('<header class="top-bar"><span class="brand">Help desk</span>');
      expect(index).toContain('<section class="card"');
      expect(index).toContain('<meta name="viewport"');
      const rows = index.match(/<tr><td data-label="Event">/g) ?? [];
      expect(rows.length).toBeGreaterThanOrEqual(TICKET_EVENT_TYPES.length);
      for (const type of TICKET_EVENT_TYPES) expect(index).toContain(`<span class="badge">${type}</span>`);
      for (const link of index.matchAll(/href="([^"]+)"/g)) expect(fs.existsSync(path.join(out, link[1]))).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
