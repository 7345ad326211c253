// @ts-check (tsconfig.public.json)
import { announce, api, describeError, el, formatDateTime, startSession } from './session.js';

const list = document.getElementById('mailbox-list');
const summary = document.getElementById('mailbox-summary');
const refreshButton = /** @type {HTMLButtonElement} */ (document.getElementById('mailbox-refresh'));

/** One mail: who it went to, its subject and date, and its HTML in a sandboxed frame (no scripts, no same-origin access). */
function mailItem(mail) {
  const frame = el('iframe', { class: 'mail-body', sandbox: '', title: `Mail "${mail.subject}" to ${mail.to.join(', ')}` });
  /** @type {HTMLIFrameElement} */ (frame).srcdoc = mail.html;
  const details = el('details', { class: 'mail' });
  const subject = el('summary', {});
  subject.append(el('strong', { class: 'mail-subject', text: mail.subject || '(no subject)' }), el('span', { class: 'hint', text: ` to ${mail.to.join(', ')} · ${formatDateTime(mail.date)}` }));
  details.append(subject, frame);
  const item = el('li', { dataset: { id: mail.id } });
  item.append(details);
  return item;
}

async function refresh() {
  refreshButton.disabled = true;
  try {
    const { mails } = await api('GET', '/api/dev/mailbox');
    list.replaceChildren(...mails.map(mailItem));
    const first = /** @type {HTMLDetailsElement | null} */ (list.querySelector('details'));
    if (first) first.open = true;
    summary.textContent = mails.length ? `${mails.length} mail${mails.length === 1 ? '' : 's'}, newest first.` : 'No mail yet: post a ticket event and it shows here.';
  } catch (err) {
    if (err.status !== 401) announce(`Could not read the mailbox: ${describeError(err)}`, 'error');
  } finally {
    refreshButton.disabled = false;
  }
}

refreshButton.addEventListener('click', () => void refresh());

startSession({
  onReady: async () => {
    await refresh();
  },
  onSignOut: () => {
    list.replaceChildren();
    summary.textContent = '';
  },
});
