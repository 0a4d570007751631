// The home screen: the apps the signed-in user may open.
import { LitElement, css, html, nothing } from 'lit';
import { apiGet } from '../api.js';
import type { AppSummary, Session } from '../client-spec.js';
import { appPath, navigate } from '../router.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';
import './top-bar.js';

/**
 * Lists the apps from `GET /api/apps` as cards that open them, or opens the
 * app when there is only one and it is not unavailable.
 */
export class AppList extends LitElement {
  static override properties = {
    session: { attribute: false },
    apps: { state: true },
    error: { state: true },
    loading: { state: true },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      .dev-banner {
        padding: 4px var(--od-space-4);
        border-bottom: 1px solid var(--od-warning-border);
        background: var(--od-warning-bg);
        color: var(--od-warning-text);
        font-size: var(--od-font-size-sm);
        text-align: center;
      }
      main {
        max-width: 960px;
        margin: 0 auto;
        padding: var(--od-space-6) var(--od-space-5);
      }
      h1 {
        margin: 0 0 var(--od-space-1);
        font-size: var(--od-font-size-xl);
        font-weight: 600;
      }
      .lead {
        margin: 0 0 var(--od-space-5);
        color: var(--od-text-muted);
      }
      ul {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
        gap: var(--od-space-4);
        margin: 0;
        padding: 0;
        list-style: none;
      }
      a.card {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-2);
        height: 100%;
        padding: var(--od-space-4);
        color: var(--od-text);
        transition: border-color 0.12s, box-shadow 0.12s;
      }
      a.card:hover {
        border-color: var(--od-accent);
        box-shadow: var(--od-shadow);
        text-decoration: none;
      }
      .title {
        display: flex;
        align-items: center;
        gap: var(--od-space-2);
        font-weight: 600;
        font-size: var(--od-font-size-lg);
      }
      .description {
        color: var(--od-text-muted);
      }
      .status {
        padding: 1px var(--od-space-2);
        border-radius: 999px;
        background: var(--od-danger-soft);
        color: var(--od-danger);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
      }
      .error {
        color: var(--od-danger);
      }
      /* An unavailable app is greyed but keeps readable text, because its reason matters. */
      .card.unavailable {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-2);
        height: 100%;
        padding: var(--od-space-4);
        background: var(--od-surface-muted);
        box-shadow: none;
      }
      .unavailable .title a {
        color: var(--od-text-muted);
      }
      .unavailable .status {
        background: var(--od-border);
        color: var(--od-text-muted);
      }
      .reason {
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
        overflow-wrap: anywhere;
      }
      .card-actions {
        margin-top: auto;
      }
    `,
  ];

  /** The signed-in user and the sign-in mode. */
  session: Session | undefined;
  /** Apps the user may open, once loaded. */
  apps: AppSummary[] | undefined;
  /** Error message of the failed list request. */
  error = '';
  /** Set while the list request runs. */
  loading = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  override updated(): void {
    document.title = 'Opsdeck';
  }

  async #load(): Promise<void> {
    this.loading = true;
    try {
      const answer = await apiGet<{ apps: AppSummary[] }>('/api/apps');
      const apps = Array.isArray(answer.apps) ? answer.apps : [];
      // A list of one card is a needless stop. Replacing the entry keeps Back from returning here and redirecting again.
      // The connection check keeps a late answer from moving a user who already went elsewhere.
      // An unavailable app stays on the list, so the user sees the reason instead of an app whose tables all fail.
      if (apps.length === 1 && apps[0].status !== 'unavailable' && this.isConnected) {
        navigate(appPath(apps[0].id), { replace: true });
        return;
      }
      this.apps = apps;
      this.error = '';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.loading = false;
    }
  }

  override render() {
    return html`
      <od-top-bar .user=${this.session?.user}></od-top-bar>
      ${this.session?.mode === 'dev'
        ? html`<div class="dev-banner" data-testid="dev-banner">Development mode: users sign in without a password. Do not use in production.</div>`
        : nothing}
      <main>
        <h1>Apps</h1>
        <p class="lead">Internal tools you may open.</p>
        ${this.#renderApps()}
      </main>
    `;
  }

  #renderApps() {
    if (this.error) {
      return html`
        <p class="error" role="alert">${this.error}</p>
        <button class="btn small" type="button" data-testid="apps-retry" ?disabled=${this.loading} @click=${() => void this.#load()}>
          ${this.loading ? 'Retrying…' : 'Retry'}
        </button>
      `;
    }
    if (!this.apps) return html`<p class="muted">Loading…</p>`;
    if (this.apps.length === 0) {
      return html`<p class="muted" data-testid="no-apps">You may not open any app yet. Ask an admin to add you to a role.</p>`;
    }
    return html`
      <ul>
        ${this.apps.map((app) => html`<li>${app.status === 'unavailable' ? this.#renderUnavailable(app) : renderAvailable(app)}</li>`)}
      </ul>
    `;
  }

  /** A greyed card: the title still links to the app, and Retry requests the list again. */
  #renderUnavailable(app: AppSummary) {
    const reason = app.reason || "The app's database cannot be reached.";
    return html`
      <div class="card unavailable" data-app=${app.id} data-status="unavailable">
        <span class="title">
          <a href=${appPath(app.id)} data-route>${app.title}</a>
          <span class="status">Unavailable</span>
        </span>
        ${app.description ? html`<span class="description">${app.description}</span>` : nothing}
        <span class="reason" data-testid="app-reason">${reason}</span>
        <span class="card-actions">
          <button
            class="btn small"
            type="button"
            data-testid="apps-retry"
            aria-label="Retry loading ${app.title}"
            ?disabled=${this.loading}
            @click=${() => void this.#load()}
          >
            ${this.loading ? 'Retrying…' : 'Retry'}
          </button>
        </span>
      </div>
    `;
  }
}

function renderAvailable(app: AppSummary) {
  return html`
    <a class="card" href=${appPath(app.id)} data-route data-app=${app.id} data-status=${app.status}>
      <span class="title">
        ${app.title} ${app.status === 'error' ? html`<span class="status" title="The spec has errors; the last good version is served, if any">Spec errors</span>` : nothing}
      </span>
      ${app.description ? html`<span class="description">${app.description}</span>` : nothing}
    </a>
  `;
}

customElements.define('od-app-list', AppList);
