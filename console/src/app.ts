// The console's shell: sign-in, navigation between the list, an incident, the inbox and control
// (hash routes, so the API serves one page and the back button works), and the live refresh: the
// shown view re-reads the API every POLL_MS without a reload, one read at a time.
import { Api } from './api.js';
import { type Session } from './api-types.js';
import { ControlView } from './control-view.js';
import { h, replace } from './dom.js';
import { InboxView } from './inbox-view.js';
import { IncidentPage } from './incident-view.js';
import { ListView } from './list-view.js';
import { forgetToken, storedToken } from './session.js';
import { renderSignIn } from './signin-view.js';

/** How often the shown view re-reads the API (`?poll=<ms>` in the page address overrides it). */
const POLL_MS = 2000;

interface View {
  refresh(): Promise<void>;
}

export class App {
  private api?: Api;
  private session?: Session;
  private view?: View;
  private timer?: number;
  /** The view whose refresh is in flight: a new view's first read never waits for an old view's. */
  private refreshing?: View;
  private readonly main: HTMLElement;
  private readonly nav: HTMLElement;
  private readonly who: HTMLElement;
  private readonly error: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.main = root.querySelector<HTMLElement>('#main')!;
    this.nav = root.querySelector<HTMLElement>('#nav')!;
    this.who = root.querySelector<HTMLElement>('#who')!;
    this.error = root.querySelector<HTMLElement>('#error')!;
  }

  start(): void {
    window.addEventListener('hashchange', () => this.route());
    const token = storedToken();
    if (!token) return this.signIn();
    const api = this.client(token);
    api.get<Session>('/v1/session').then(
      (s) => this.signedIn(api, s),
      () => this.signIn('Sign in again.'),
    );
  }

  private signIn(notice?: string): void {
    this.stopPolling();
    this.api = this.session = this.view = undefined;
    replace(this.nav);
    replace(this.who);
    renderSignIn(this.main, (token, s) => this.signedIn(this.client(token), s), notice);
  }

  /** A client whose 401 (a revoked token) signs the operator out. */
  private client(token: string): Api {
    return new Api(token, () => this.signOut('Your session ended: the token was refused.'));
  }

  private signOut(notice?: string): void {
    forgetToken();
    this.signIn(notice);
  }

  private signedIn(api: Api, session: Session): void {
    this.api = api;
    this.session = session;
    const out = h('button', { type: 'button', class: 'inline', id: 'sign-out' }, 'Sign out');
    out.addEventListener('click', () => this.signOut());
    replace(
      this.who,
      h('span', { id: 'principal' }, session.principal),
      ` (${session.roles.join(', ')}) `,
      out,
    );
    replace(
      this.nav,
      h(
        'ul',
        {},
        ...[
          ['#/incidents', 'Incidents'],
          ['#/inbox', 'Approval inbox'],
          ['#/control', 'Control'],
        ].map(([href, text]) => h('li', {}, h('a', { href, id: `nav-${href.slice(2)}` }, text))),
      ),
    );
    if (!location.hash || location.hash === '#') history.replaceState(null, '', '#/incidents');
    this.route();
  }

  private route(): void {
    if (!this.api || !this.session) return;
    const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
    const params = new URLSearchParams(query);
    for (const a of this.nav.querySelectorAll('a')) {
      const current =
        path.startsWith(a.getAttribute('href')!.slice(1)) ||
        (path.startsWith('/incident/') && a.id === 'nav-incidents');
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (path.startsWith('/incident/'))
      this.view = new IncidentPage(
        this.main,
        this.api,
        this.session,
        decodeURIComponent(path.slice('/incident/'.length)),
      );
    else if (path === '/inbox') this.view = new InboxView(this.main, this.api, this.session);
    else if (path === '/control') this.view = new ControlView(this.main, this.api, this.session);
    else this.view = new ListView(this.main, this.api, params);
    document.title = `Rebound · ${this.main.querySelector('h2')?.textContent ?? 'console'}`;
    this.main.focus({ preventScroll: true });
    this.startPolling();
  }

  private startPolling(): void {
    this.stopPolling();
    const poll = Number(new URLSearchParams(location.search).get('poll')) || POLL_MS;
    void this.tick();
    this.timer = window.setInterval(() => void this.tick(), Math.max(250, poll));
  }

  private stopPolling(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One refresh of the shown view; a slow API never gets a second read stacked on the first. */
  private async tick(): Promise<void> {
    const view = this.view;
    if (!view || this.refreshing === view) return;
    this.refreshing = view;
    try {
      await view.refresh();
      this.error.textContent = '';
      this.root.dataset.refreshedAt = new Date().toISOString();
    } catch (err) {
      if (view === this.view) this.error.textContent = `Could not refresh: ${(err as Error).message}`;
    } finally {
      if (this.refreshing === view) this.refreshing = undefined;
    }
  }
}
