// @ts-check (tsconfig.public.json)
// Shared by both pages: the bearer token in sessionStorage, JSON calls to the API, messages and sign-in.
const TOKEN_KEY = 'helpdesk.token';

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `Request failed (${status})`);
    this.status = status;
    this.code = error?.code ?? 'error';
    this.details = error?.details ?? null;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** @type {(message: string) => void} */
let onSignedOut = () => undefined;

/** fetch with the bearer token; non-2xx answers become ApiError carrying the API's {code, message, details}. */
export async function apiFetch(method, path, body) {
  const headers = { accept: 'application/json' };
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'network_error', message: 'The server cannot be reached; check your connection and try again.' });
  }
  if (response.ok) return response;
  let error;
  try {
    error = (await response.json()).error;
  } catch {
    error = undefined;
  }
  const failure = new ApiError(response.status, error);
  if (response.status === 401 && bearer) {
    token.clear();
    onSignedOut(failure.message);
  }
  throw failure;
}

export async function api(method, path, body) {
  const response = await apiFetch(method, path, body);
  return response.status === 204 ? null : response.json();
}

/** Polite status line (screen readers announce it) and an assertive one for errors. */
export function announce(message, kind = 'info') {
  const status = document.getElementById('status-message');
  const alert = document.getElementById('error-message');
  status.textContent = kind === 'error' ? '' : message;
  alert.textContent = kind === 'error' ? message : '';
  alert.hidden = kind !== 'error' || !message;
  status.hidden = kind === 'error' || !message;
  status.className = `message message-${kind}`;
}

/** Writes each `{field, message}` detail next to the input that declares `data-field` for it; returns the unmatched ones. */
export function showFieldErrors(form, details) {
  clearFieldErrors(form);
  const unmatched = [];
  for (const detail of Array.isArray(details) ? details : []) {
    const target = [...form.querySelectorAll('[data-field]')].find((el) => matchesField(el.dataset.field, detail.field));
    if (!target) {
      unmatched.push(detail);
      continue;
    }
    const slot = document.getElementById(target.getAttribute('aria-describedby')?.split(' ').find((id) => id.endsWith('-error')));
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${detail.message}` : detail.message;
      slot.hidden = false;
    }
    target.setAttribute('aria-invalid', 'true');
  }
  const first = form.querySelector('[aria-invalid="true"]');
  (first?.matches('fieldset') ? first.querySelector('input') : first)?.focus();
  return unmatched;
}

function matchesField(declared, field) {
  return field === declared || field?.startsWith(`${declared}.`);
}

export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const slot of form.querySelectorAll('.field-error')) {
    slot.textContent = '';
    slot.hidden = true;
  }
}

export function describeError(err) {
  const extra = Array.isArray(err.details) ? err.details.map((d) => `${d.field}: ${d.message}`).join('; ') : '';
  return extra ? `${err.message} (${extra})` : err.message;
}

/**
 * Shows the sign-in form until a token works for GET /api/me, then calls onReady(me).
 * A 401 later (expired token) brings the form back.
 */
export function startSession({ onReady, onSignOut }) {
  const loginSection = document.getElementById('login-section');
  const appSection = document.getElementById('app-section');
  const form = /** @type {HTMLFormElement} */ (document.getElementById('login-form'));
  const userBox = document.getElementById('user-box');
  const signOut = document.getElementById('sign-out');

  function showLogin(message) {
    onSignOut?.();
    appSection.hidden = true;
    userBox.hidden = true;
    loginSection.hidden = false;
    if (message) announce(message, 'error');
    document.getElementById('login-email').focus();
  }
  onSignedOut = (message) => showLogin(`${message}. Please sign in again.`);

  /** Shows the signed-in page; after a sign-in the keyboard starts at the top of the content (the form is gone). */
  async function enter({ afterSignIn = false } = {}) {
    let me;
    try {
      me = await api('GET', '/api/me');
    } catch (err) {
      if (err.status !== 401) announce(describeError(err), 'error');
      showLogin();
      return;
    }
    loginSection.hidden = true;
    appSection.hidden = false;
    userBox.hidden = false;
    document.getElementById('user-name').textContent = `${me.user.name} (${me.role}${me.company ? `, ${me.company.name}` : ''})`;
    for (const link of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-requires]'))) link.hidden = !me.permissions.includes(link.dataset.requires);
    // before the page loads its data, so focus never jumps away from a control the user already reached
    if (afterSignIn) document.getElementById('main').focus();
    await onReady(me);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    await whileBusy(form.querySelector('button[type="submit"]'), async () => {
      try {
        const session = await api('POST', '/api/auth/login', {
          email: fieldValue(form, 'email'),
          password: fieldValue(form, 'password'),
        });
        token.set(session.token);
        form.reset();
        announce(`Signed in as ${session.user.name}.`);
        await enter({ afterSignIn: true });
      } catch (err) {
        const unmatched = showFieldErrors(form, err.details);
        announce(unmatched.length ? describeError(err) : err.message, 'error');
      }
    });
  });

  signOut.addEventListener('click', async () => {
    try {
      await api('POST', '/api/auth/logout');
    } catch {
      // the token is dropped locally whatever the server says
    }
    token.clear();
    showLogin();
    announce('Signed out.');
  });

  if (token.get()) void enter();
  else showLogin();
}

export function formatDateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** The value of the form control (or radio group) named `name`, '' when there is none. */
export function fieldValue(form, name) {
  const control = /** @type {HTMLInputElement | RadioNodeList | null} */ (form.elements.namedItem(name));
  return control?.value ?? '';
}

/** The element matching `selector` that the event happened in (event delegation), or null. */
export function targetOf(event, selector) {
  return event.target instanceof Element ? /** @type {HTMLElement | null} */ (event.target.closest(selector)) : null;
}

/** document.createElement with text and attributes, so no HTML string ever carries API data. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'dataset') {
      for (const [name, data] of Object.entries(value)) if (data !== undefined && data !== null) node.dataset[name] = data;
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/**
 * Disables the button while `task` runs. A disabled button loses the keyboard focus: if nothing else took it
 * meanwhile, it comes back to the button, so the keyboard user carries on from where they were.
 */
export async function whileBusy(button, task) {
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  try {
    return await task();
  } finally {
    button.disabled = false;
    if (hadFocus && button.isConnected && !button.hidden && (document.activeElement === document.body || document.activeElement === null)) button.focus();
  }
}

/**
 * Replaces the container's children and keeps keyboard focus on the element carrying the same `data-focus-key`
 * (links and buttons rebuilt on each poll are new nodes). When focus was lost (on <body>, e.g. its button got
 * disabled), `lostFocusKey` names the element to bring it back to. Returns true when it placed the focus.
 */
export function renderKeepingFocus(container, children, lostFocusKey = null) {
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const lost = active === null || active === document.body;
  const key = container.contains(active) ? /** @type {HTMLElement | null} */ (active.closest('[data-focus-key]'))?.dataset.focusKey : lost ? lostFocusKey : null;
  container.replaceChildren(...children);
  if (!key) return false;
  const target = [...container.querySelectorAll('[data-focus-key]')].find((node) => node.dataset.focusKey === key);
  if (!target || target.disabled || target.hidden) return false;
  target.focus({ preventScroll: true });
  return true;
}

/**
 * An in-page confirmation (a modal <dialog>, so Tab stays inside it and Escape cancels) instead of window.confirm.
 * Focus starts on the safe choice and returns to the control that opened it. Resolves to true when confirmed.
 */
export function confirmAction({ title, message, confirmLabel, cancelLabel = 'Keep it' }) {
  const opener = /** @type {HTMLButtonElement | null} */ (document.activeElement);
  const titleId = 'confirm-title';
  const confirm = el('button', { type: 'button', class: 'danger', dataset: { choice: 'confirm' }, text: confirmLabel });
  const cancel = el('button', { type: 'button', class: 'secondary', dataset: { choice: 'cancel' }, text: cancelLabel });
  const dialog = el(
    'dialog',
    { class: 'confirm-dialog', 'aria-labelledby': titleId, 'aria-describedby': 'confirm-message' },
    el('h2', { id: titleId, text: title }),
    el('p', { id: 'confirm-message', text: message }),
    el('div', { class: 'actions' }, cancel, confirm),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('click', (event) => {
      const choice = event.target.closest('button[data-choice]')?.dataset.choice;
      if (choice) dialog.close(choice);
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener?.isConnected && !opener.disabled) opener.focus();
      resolve(dialog.returnValue === 'confirm');
    });
    dialog.showModal();
    cancel.focus();
  });
}
