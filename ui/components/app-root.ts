// The root element: routes between screens, tracks the session and handles "not signed in".
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiGet, apiPost, onUnauthenticated } from '../api.js';
import type { Session } from '../client-spec.js';
import { ROUTE_EVENT, isLocalPath, navigate, parseRoute, type Route } from '../router.js';
import { utilityStyles } from './shared-styles.js';
import './app-list.js';
import './app-shell.js';
import './sign-in.js';
import { showToast } from './toast-stack.js';

/** Whether the user is known to be signed in. */
type AuthState = 'checking' | 'signed-in' | 'signed-out';

/** The whole UI. Reads the route from the location and shows the matching screen. */
export class AppRoot extends LitElement {
  static override properties = {
    route: { state: true },
    session: { state: true },
    auth: { state: true },
  };

  static override styles = [
    utilityStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      .center {
        display: flex;
        justify-content: center;
        padding: 15vh var(--od-space-4) var(--od-space-6);
      }
      .card {
        width: min(460px, 100%);
        padding: var(--od-space-5);
      }
      h1 {
        margin: 0 0 var(--od-space-2);
        font-size: var(--od-font-size-xl);
        font-weight: 600;
      }
      p {
        margin: 0 0 var(--od-space-2);
      }
    `,
  ];

  /** The screen to show. */
  route: Route = parseRoute(location.pathname, location.search);
  /** The signed-in user and sign-in mode, once known. */
  session: Session | undefined;
  /** Sign-in state as last seen by the UI. */
  auth: AuthState = 'checking';

  #probing = false;

  readonly #onLocationChange = (): void => {
    this.route = parseRoute(location.pathname, location.search);
    if (this.route.name !== 'login' && this.auth === 'checking' && !this.session) void this.#loadSession();
  };

  readonly #onDocumentClick = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event.composedPath().find((target): target is HTMLAnchorElement => target instanceof HTMLAnchorElement);
    if (!anchor || !anchor.hasAttribute('data-route') || (anchor.target && anchor.target !== '_self')) return;
    const url = new URL(anchor.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.#onLocationChange);
    window.addEventListener(ROUTE_EVENT, this.#onLocationChange);
    document.addEventListener('click', this.#onDocumentClick);
    onUnauthenticated(() => void this.#handleUnauthenticated());
    if (this.route.name !== 'login') void this.#loadSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.#onLocationChange);
    window.removeEventListener(ROUTE_EVENT, this.#onLocationChange);
    document.removeEventListener('click', this.#onDocumentClick);
    onUnauthenticated(undefined);
  }

  /** Loads the session; returns whether the user is signed in. */
  async #loadSession(): Promise<boolean> {
    try {
      this.session = await apiGet<Session>('/api/session', { quiet401: true });
      this.auth = 'signed-in';
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        await this.#handleUnauthenticated();
        return false;
      }
      // The screens below report their own errors; let them try.
      this.auth = 'signed-in';
      return true;
    }
  }

  /**
   * Sends the user to the sign-in screen when the server offers development
   * sign-in or single sign-on, else shows "not signed in": a 401 alone does
   * not tell the server's mode.
   */
  async #handleUnauthenticated(): Promise<void> {
    if (this.#probing || this.route.name === 'login') return;
    this.#probing = true;
    this.session = undefined;
    try {
      await apiGet('/api/dev/users', { quiet401: true }).catch(() => apiGet('/auth/config', { quiet401: true }));
      const current = location.pathname + location.search;
      this.auth = 'checking';
      navigate(current === '/' ? '/login' : `/login?next=${encodeURIComponent(current)}`, { replace: true });
    } catch {
      this.auth = 'signed-out';
    } finally {
      this.#probing = false;
    }
  }

  async #onSignedIn(): Promise<void> {
    const next = this.route.name === 'login' && this.route.next && isLocalPath(this.route.next) ? this.route.next : '/';
    this.auth = 'checking';
    if (await this.#loadSession()) navigate(next, { replace: true });
  }

  async #onSignOut(): Promise<void> {
    const mode = this.session?.mode;
    let endSessionUrl: unknown;
    try {
      ({ endSessionUrl } = await apiPost<{ endSessionUrl?: unknown }>('/api/logout', {}, { quiet401: true }));
    } catch (error) {
      // Signing out of a session that already ended is not an error for the user; a sign-out the server could not record is.
      if (error instanceof ApiError && error.code === 'sign_out_not_recorded') showToast(error.message, 'error');
    }
    this.session = undefined;
    if (mode === 'oidc' && typeof endSessionUrl === 'string' && /^https?:\/\//.test(endSessionUrl)) {
      // Sign out at the provider too, or its session would sign the user straight back in.
      location.assign(endSessionUrl);
      return;
    }
    if (mode === 'proxy') {
      // The proxy signs the user in again on the next request; reloading shows what it decides.
      location.assign('/');
      return;
    }
    this.auth = 'checking';
    navigate('/login');
  }

  override render() {
    return html`
      <div style="display: contents" @od-signed-in=${() => this.#onSignedIn()} @od-sign-out=${() => this.#onSignOut()}>
        ${this.#renderScreen()}
      </div>
      <od-toast-stack></od-toast-stack>
    `;
  }

  #renderScreen() {
    const route = this.route;
    if (route.name === 'login') return html`<od-sign-in></od-sign-in>`;
    if (this.auth === 'signed-out') {
      return html`
        <div class="center">
          <div class="card" role="alert" data-testid="not-signed-in">
            <h1>You are not signed in</h1>
            <p class="muted">This server identifies users through a sign-in proxy, and it did not identify you.</p>
            <p class="muted">Open Opsdeck through your organisation's sign-in page, or ask an admin to check the proxy.</p>
          </div>
        </div>
      `;
    }
    if (this.auth === 'checking') return html`<div class="center"><p class="muted" aria-busy="true">Loading…</p></div>`;
    switch (route.name) {
      case 'apps':
        return html`<od-app-list .session=${this.session}></od-app-list>`;
      case 'app':
        return html`<od-app-shell .appId=${route.appId} .pageId=${route.pageId} .session=${this.session}></od-app-shell>`;
      case 'not-found':
        return html`
          <div class="center">
            <div class="card" role="alert">
              <h1>Page not found</h1>
              <p class="muted">Nothing lives at ${route.path}.</p>
              <p><a href="/" data-route>Back to all apps</a></p>
            </div>
          </div>
        `;
      default:
        return nothing;
    }
  }
}

customElements.define('od-root', AppRoot);
