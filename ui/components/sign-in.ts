// The sign-in page. In `dev` mode it lists the users the apps' specs declare.
// In `oidc` mode it offers one button that starts single sign-on at
// /auth/login, and the flow returns the browser to the page it came from.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiGet, apiPost } from '../api.js';
import type { User } from '../client-spec.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';

/**
 * Sign-in screen. After a development sign-in it fires `od-signed-in`
 * (bubbles, composed) with the user; single sign-on leaves the page instead.
 */
export class SignIn extends LitElement {
  static override properties = {
    users: { state: true },
    error: { state: true },
    unavailable: { state: true },
    busyUser: { state: true },
    ssoLoginUrl: { state: true },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      .banner {
        padding: var(--od-space-2) var(--od-space-4);
        border-bottom: 1px solid var(--od-warning-border);
        background: var(--od-warning-bg);
        color: var(--od-warning-text);
        font-weight: 600;
        text-align: center;
      }
      .wrap {
        display: flex;
        justify-content: center;
        padding: 10vh var(--od-space-4) var(--od-space-6);
      }
      .card {
        width: min(440px, 100%);
        padding: var(--od-space-5);
      }
      .logo {
        display: grid;
        place-items: center;
        width: 32px;
        height: 32px;
        margin-bottom: var(--od-space-3);
        border-radius: var(--od-radius);
        background: var(--od-accent);
        color: var(--od-accent-text);
        font-weight: 700;
      }
      h1 {
        margin: 0;
        font-size: var(--od-font-size-xl);
        font-weight: 600;
      }
      .lead {
        margin: var(--od-space-1) 0 var(--od-space-4);
        color: var(--od-text-muted);
      }
      ul {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-2);
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .user {
        display: flex;
        align-items: center;
        gap: var(--od-space-3);
        width: 100%;
        padding: var(--od-space-2) var(--od-space-3);
        border: 1px solid var(--od-border);
        border-radius: var(--od-radius);
        background: var(--od-surface);
        color: var(--od-text);
        font: inherit;
        text-align: left;
        cursor: pointer;
      }
      .user:hover:not(:disabled) {
        border-color: var(--od-accent);
        background: var(--od-accent-soft);
      }
      .user:focus-visible {
        outline: none;
        box-shadow: var(--od-focus-ring);
      }
      .avatar {
        flex: none;
        display: grid;
        place-items: center;
        width: 32px;
        height: 32px;
        border-radius: 50%;
        background: var(--od-accent-soft);
        color: var(--od-accent);
        font-weight: 600;
      }
      .who {
        display: flex;
        flex-direction: column;
        min-width: 0;
      }
      .name {
        font-weight: 600;
      }
      .id,
      .groups {
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .sso {
        display: flex;
        width: 100%;
        height: 40px;
        text-decoration: none;
      }
      .error {
        margin-bottom: var(--od-space-3);
        padding: var(--od-space-2) var(--od-space-3);
        border-radius: var(--od-radius);
        background: var(--od-danger-soft);
        color: var(--od-danger);
      }
    `,
  ];

  /** Users offered by the server, once loaded. */
  users: User[] | undefined;
  /** Last error, shown above the list. */
  error = '';
  /** Set when the server has no development sign-in (proxy mode). */
  unavailable = false;
  /** Id of the user being signed in. */
  busyUser: string | undefined;
  /** Start of the single sign-on flow, with `returnTo`; set when the server runs in `oidc` mode. */
  ssoLoginUrl: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadUsers();
  }

  async #loadUsers(): Promise<void> {
    try {
      const answer = await apiGet<{ users: User[] }>('/api/dev/users', { quiet401: true });
      this.users = Array.isArray(answer.users) ? answer.users : [];
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403 || error.status === 401)) {
        await this.#loadSingleSignOn();
      } else {
        this.error = error instanceof Error ? error.message : String(error);
      }
    }
  }

  /** Asks the server whether it offers single sign-on; without it, no sign-in is offered here (proxy mode). */
  async #loadSingleSignOn(): Promise<void> {
    try {
      const config = await apiGet<{ mode?: unknown; loginUrl?: unknown }>('/auth/config', { quiet401: true });
      if (config.mode === 'oidc' && typeof config.loginUrl === 'string' && config.loginUrl.startsWith('/')) {
        this.ssoLoginUrl = `${config.loginUrl}?returnTo=${encodeURIComponent(returnPath())}`;
        return;
      }
    } catch {
      // No /auth/config: the server identifies users another way.
    }
    this.unavailable = true;
  }

  async #signIn(user: User): Promise<void> {
    this.busyUser = user.id;
    this.error = '';
    try {
      const answer = await apiPost<{ user: User }>('/api/dev/login', { user: user.id }, { quiet401: true });
      this.dispatchEvent(new CustomEvent('od-signed-in', { detail: answer.user ?? user, bubbles: true, composed: true }));
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.busyUser = undefined;
    }
  }

  override render() {
    if (this.ssoLoginUrl !== undefined) return this.#renderSingleSignOn(this.ssoLoginUrl);
    return html`
      ${this.users !== undefined ? html`<div class="banner" role="note" data-testid="dev-signin-banner">Development sign-in: do not use in production</div>` : nothing}
      <div class="wrap">
        <div class="card">
          <div class="logo" aria-hidden="true">O</div>
          <h1>Sign in to Opsdeck</h1>
          ${this.unavailable
            ? html`<p class="lead">Development sign-in is turned off on this server. Your organisation's sign-in proxy identifies you instead.</p>`
            : html`<p class="lead">Choose a user. Each one has the groups the app specs give it.</p>`}
          ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing} ${this.#renderUsers()}
        </div>
      </div>
    `;
  }

  #renderSingleSignOn(loginUrl: string) {
    return html`
      <div class="wrap">
        <div class="card">
          <div class="logo" aria-hidden="true">O</div>
          <h1>Sign in to Opsdeck</h1>
          <p class="lead">Use your company account. You return here once you are signed in.</p>
          <a class="btn primary sso" href=${loginUrl} data-testid="sso-sign-in">Sign in with single sign-on</a>
        </div>
      </div>
    `;
  }

  #renderUsers() {
    if (this.unavailable) return nothing;
    if (!this.users) return html`<p class="muted">Loading users…</p>`;
    if (this.users.length === 0) return html`<p class="muted">No app lists any development user. Add <code>devUsers</code> to an app spec.</p>`;
    return html`
      <ul>
        ${this.users.map((user) => {
          const name = user.name || user.id;
          return html`<li>
            <button class="user" type="button" data-user=${user.id} ?disabled=${this.busyUser !== undefined} @click=${() => this.#signIn(user)}>
              <span class="avatar" aria-hidden="true">${name.charAt(0).toUpperCase()}</span>
              <span class="who">
                <span class="name">${name}</span>
                <span class="id">${user.id}</span>
                ${user.groups?.length ? html`<span class="groups">Groups: ${user.groups.join(', ')}</span>` : nothing}
              </span>
            </button>
          </li>`;
        })}
      </ul>
    `;
  }
}

/**
 * Returns the page to open after signing in: the `next` parameter of the
 * sign-in page when it is a path on this site, else the current page, or
 * `/` on the sign-in page itself. The server checks the path again.
 */
function returnPath(): string {
  const next = new URLSearchParams(location.search).get('next');
  if (next !== null && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\')) return next;
  if (location.pathname === '/login') return '/';
  return location.pathname + location.search;
}

customElements.define('od-sign-in', SignIn);
