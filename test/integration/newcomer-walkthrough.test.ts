import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../support/ports';
import { readTestRunEnv } from '../support/test-env';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const START = path.join(ROOT, 'src', 'cli', 'start.ts');

function descendants(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  const children = out ? out.split('\n').map(Number) : [];
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface FailedRecipient {
  email: string | null;
  errorType: string | null;
  reply: string | null;
}
interface FailedJob {
  id: number;
  workflowId: string;
  retry: { workflowId: string; status: string } | null;
  failedRecipients: FailedRecipient[];
}

// the README's "First ten minutes", step by step, on a fresh `npm start` (no SMTP_URL, no DATABASE_URL, no Temporal)
describe("the README's newcomer walkthrough", () => {
  it('npm start prints the dev mailbox; a ticket event reaches it, the fail.test watcher lands in the dead letters with the 550 reply, a retry mails only that address again, and the event examples and main-job requests of the README work as written', async () => {
    const run = readTestRunEnv();
    const dataDir = fs.mkdtempSync(path.join(run.tmpDir, 'walkthrough-'));
    const [apiPort, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(apiPort), TEMPORAL_DEV_PORT: String(devPort), TEMPORAL_UI_PORT: String(uiPort), LOG_LEVEL: 'warn' };
    for (const name of ['WORKFLOW_BUNDLE_PATH', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'NODE_ENV', 'MAIL_OUTBOX_DIR']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', START], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const api = `http://127.0.0.1:${apiPort}`;

    try {
      await waitFor(async () => output.includes('Help desk jobs are running.'), { timeoutMs: 150_000, what: `npm start to be ready:\n${output}` });
      // 1. the mailbox address is printed
      expect(output).toMatch(new RegExp(`Mailbox +${api.replace(/[.]/g, '\\.')}/dev/mailbox`));
      expect((await fetch(`${api}/dev/mailbox`)).status).toBe(200);

      // 2. sign in as the demo admin (the README's TOKEN=… line)
      const login = (await (
        await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@helpdesk.test', password: 'password' }) })
      ).json()) as { token: string };
      const call = async (method: string, url: string, body?: unknown) => {
        const response = await fetch(`${api}${url}`, {
          method,
          headers: { authorization: `Bearer ${login.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: response.status, body: (await response.json()) as any };
      };

      // 3. close ticket #1 as Ana Agent (user 2): bounce@fail.test watches it
      const posted = await call('POST', '/api/tickets/1/events', { type: 'closed', actorId: 2 });
      expect(posted.status).toBe(202);

      // 4. the served recipients' mails show in the dev mailbox
      const mails = await waitFor(
        async () => {
          const box = await call('GET', '/api/dev/mailbox');
          const ours = (box.body.mails as Array<{ to: string[]; subject: string }>).filter((m) => m.subject.includes('#1]'));
          return ours.length > 0 ? ours : undefined;
        },
        { timeoutMs: 60_000, what: 'the mails of ticket #1 in the dev mailbox' },
      );
      expect(mails.flatMap((m) => m.to)).toContain('client@helpdesk.test');
      expect(mails.flatMap((m) => m.to)).not.toContain('bounce@fail.test');

      // 5. the dead letter: who could not be served, and the server's reply
      const failed = await waitFor(
        async () => {
          const list = await call('GET', '/api/admin/failed-jobs?jobType=notification&ticketId=1');
          return (list.body.failedJobs as FailedJob[])[0];
        },
        { timeoutMs: 60_000, what: 'the failed notification of ticket #1' },
      );
      expect(failed.failedRecipients).toEqual([expect.objectContaining({ email: 'bounce@fail.test', errorType: 'SmtpPermanentFailure', reply: expect.stringContaining('550 5.1.1') })]);

      // 6. retry: only the unserved address is tried again; it is still refused, so the retry fails and is listed too
      const mailsBefore = (await call('GET', '/api/dev/mailbox')).body.mails.length;
      const retried = await call('POST', `/api/admin/failed-jobs/${failed.id}/retry`);
      expect(retried.status).toBe(202);
      const again = await waitFor(
        async () => {
          const list = await call('GET', '/api/admin/failed-jobs?jobType=notification&ticketId=1');
          return (list.body.failedJobs as FailedJob[]).find((job) => job.workflowId === retried.body.retryWorkflowId);
        },
        { timeoutMs: 60_000, what: 'the failed retry in the dead letters' },
      );
      expect(again.failedRecipients.map((r) => r.email)).toEqual(['bounce@fail.test']);
      // the retry's own dead letter is written just before its run closes Failed
      const retry = await waitFor(
        async () => {
          const answer = (await call('GET', `/api/admin/failed-jobs/${failed.id}`)).body.retry as { status: string } | null;
          return answer && answer.status !== 'running' ? answer : undefined;
        },
        { timeoutMs: 30_000, what: 'the retry run to close' },
      );
      expect(retry).toMatchObject({ status: 'failed' });
      expect((await call('GET', '/api/dev/mailbox')).body.mails).toHaveLength(mailsBefore);

      // 7. the README's example of each event type, and its request per main job, work as written
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const examples = [...readme.matchAll(/^\| `(created|updated|assigned|closed|commented)` \|.*\| `(\{.*\})` \|$/gm)];
      expect(examples.map((m) => m[1])).toEqual(['created', 'updated', 'assigned', 'closed', 'commented']);
      for (const [, type, body] of examples) {
        const answer = await call('POST', '/api/tickets/1/events', JSON.parse(body));
        expect({ type, status: answer.status, body: answer.body }).toMatchObject({ type, status: 202 });
      }
      const section = readme.slice(readme.indexOf('### One request per main job'), readme.indexOf('## ', readme.indexOf('### One request per main job') + 5));
      const curls = [...section.matchAll(/curl -s localhost:3000(\S+) .*\\\n\s+-H 'content-type: application\/json' -d '(.*)'/g)];
      expect(curls.map((m) => m[1])).toEqual(['/api/tickets/3/events', '/api/reports', '/api/admin/cleanup/runs']);
      for (const [, url, body] of curls) {
        const answer = await call('POST', url, JSON.parse(body));
        expect({ url, status: answer.status, body: answer.body }).toMatchObject({ url, status: 202 });
      }
    } finally {
      const tree = descendants(child.pid as number);
      process.kill(-(child.pid as number), 'SIGINT');
      expect(await exited).toBe(0);
      await waitFor(async () => tree.every((pid) => !alive(pid)), { timeoutMs: 20_000, what: 'every child to exit' });
    }
  }, 360_000);
});
