// Sign-in: the operator pastes an API token (`rebound stack up` prints the dev ones); the console
// checks it with GET /v1/session and keeps it in sessionStorage for this tab only.
import { Api, ApiError } from './api.js';
import { type Session } from './api-types.js';
import { h, replace } from './dom.js';
import { storeToken } from './session.js';

export function renderSignIn(
  root: HTMLElement,
  onSignedIn: (token: string, s: Session) => void,
  notice?: string,
): void {
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
    size: 60,
  });
  const message = h('p', { class: 'error', role: 'alert' }, notice ?? '');
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, 'Paste an API token. It is kept for this browser tab only and sent to this API alone.'),
    h('label', { for: 'token' }, 'API token'),
    token,
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = token.value.trim();
    new Api(value).get<Session>('/v1/session').then(
      (s) => {
        storeToken(value);
        onSignedIn(value, s);
      },
      (err: unknown) => {
        message.textContent =
          err instanceof ApiError && err.status === 401
            ? 'That token is not valid.'
            : err instanceof ApiError && err.status === 403
              ? 'That token cannot read incidents (it needs the incidents:read role).'
              : `Could not sign in: ${(err as Error).message}`;
        token.focus();
      },
    );
  });
  replace(root, form);
  token.focus();
}
