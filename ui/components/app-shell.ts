// The frame of an open app: top bar, page navigation, page header, footer, live reload and the spec error panel.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiGet, segment } from '../api.js';
import type { ClientDiagnostic, ClientSpec, Session } from '../client-spec.js';
import { appPath, navigate } from '../router.js';
import { showToast } from './toast-stack.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';
import './page-view.js';
import { APPROVALS_PAGE } from './approval-queue.js';
import { AUDIT_PAGE, mayViewAudit } from './audit-view.js';
import { JOBS_PAGE, hasJobs } from './job-list.js';
import './top-bar.js';

/** Spec errors sent by the `invalid` event, shown until dismissed or fixed. */
interface InvalidNotice {
  diagnostics: ClientDiagnostic[];
}

/**
 * Shows one app: loads its client view, follows `reload` and `invalid` events,
 * and renders the current page. Below 900 px wide the page navigation
 * collapses behind a "Pages" button, so tables get the width.
 */
export class AppShell extends LitElement {
  static override properties = {
    appId: { type: String },
    pageId: { type: String },
    session: { attribute: false },
    spec: { state: true },
    loadError: { state: true },
    invalid: { state: true },
    navOpen: { state: true },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
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
      .layout {
        flex: 1;
        display: flex;
        min-height: 0;
      }
      nav {
        flex: none;
        width: var(--od-sidebar-width);
        padding: var(--od-space-4) var(--od-space-3);
        border-right: 1px solid var(--od-border);
        background: var(--od-surface);
      }
      nav h2 {
        margin: 0 0 var(--od-space-2);
        padding: 0 var(--od-space-2);
        color: var(--od-text-subtle);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        letter-spacing: 0.04em;
        text-transform: uppercase;
      }
      nav ul {
        margin: 0;
        padding: 0;
        list-style: none;
      }
      nav a {
        display: block;
        padding: 6px var(--od-space-2);
        border-radius: var(--od-radius);
        color: var(--od-text);
        font-weight: 500;
      }
      nav a:hover {
        background: var(--od-surface-muted);
        text-decoration: none;
      }
      nav a[aria-current='page'] {
        background: var(--od-accent-soft);
        color: var(--od-accent);
      }
      main {
        flex: 1;
        min-width: 0;
        padding: var(--od-space-5) var(--od-space-6) var(--od-space-6);
      }
      .page-header {
        margin-bottom: var(--od-space-5);
      }
      h1 {
        margin: 0;
        font-size: var(--od-font-size-xl);
        font-weight: 600;
        letter-spacing: -0.01em;
      }
      .page-header p {
        margin: var(--od-space-1) 0 0;
        color: var(--od-text-muted);
      }
      .message {
        max-width: 560px;
        padding: var(--od-space-5);
      }
      .message h1 {
        margin-bottom: var(--od-space-2);
      }
      /* The error bar sits in the page flow under the banner, so it pushes the page down and never covers the top bar or a search box. */
      .invalid {
        flex: none;
        border-bottom: 1px solid var(--od-danger-border);
        background: var(--od-danger-soft);
      }
      .invalid header {
        display: flex;
        align-items: center;
        gap: var(--od-space-3);
        padding: var(--od-space-2) var(--od-space-4);
      }
      .invalid h2 {
        margin: 0;
        color: var(--od-danger);
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      .invalid .note {
        flex: 1;
        margin: 0;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      /* A long list scrolls inside the bar, so the page stays in reach. */
      .invalid ul {
        max-height: 30vh;
        overflow: auto;
        margin: 0;
        padding: 0 var(--od-space-4) var(--od-space-3);
        list-style: none;
      }
      .invalid li {
        padding: var(--od-space-2) var(--od-space-3);
        border: 1px solid var(--od-danger-border);
        border-bottom-width: 0;
        background: var(--od-surface);
      }
      .invalid li:first-child {
        border-top-left-radius: var(--od-radius);
        border-top-right-radius: var(--od-radius);
      }
      .invalid li:last-child {
        border-bottom-width: 1px;
        border-bottom-left-radius: var(--od-radius);
        border-bottom-right-radius: var(--od-radius);
      }
      .diagnostic {
        font-family: var(--od-font-mono);
        font-size: var(--od-font-size-sm);
        overflow-wrap: anywhere;
      }
      .location {
        color: var(--od-text-muted);
      }
      .code {
        color: var(--od-danger);
        font-weight: 600;
      }
      .hint {
        margin-top: 2px;
        color: var(--od-text-muted);
      }
      /* On wide screens the wrapper leaves the navigation a column of the layout. */
      .nav-area {
        display: contents;
      }
      .nav-bar {
        display: none;
      }
      .app-footer {
        display: flex;
        flex-wrap: wrap;
        justify-content: flex-end;
        gap: var(--od-space-1) var(--od-space-4);
        padding: var(--od-space-2) var(--od-space-4);
        border-top: 1px solid var(--od-border);
        color: var(--od-text-subtle);
        font-size: var(--od-font-size-xs);
      }
      .app-footer .version {
        font-family: var(--od-font-mono);
      }
      @media (max-width: 900px) {
        .layout {
          flex-direction: column;
        }
        .nav-area {
          display: block;
          position: relative;
        }
        .nav-bar {
          display: flex;
          align-items: center;
          gap: var(--od-space-2);
          padding: var(--od-space-2) var(--od-space-4);
          border-bottom: 1px solid var(--od-border);
          background: var(--od-surface);
        }
        .nav-bar .current {
          overflow: hidden;
          color: var(--od-text-muted);
          text-overflow: ellipsis;
          white-space: nowrap;
        }
        /* The closed menu is display: none, so its links leave the tab order too. */
        nav {
          display: none;
          position: absolute;
          z-index: 20;
          top: calc(100% + 2px);
          left: var(--od-space-4);
          width: min(280px, calc(100% - 2 * var(--od-space-4)));
          max-height: 70vh;
          overflow: auto;
          border: 1px solid var(--od-border);
          border-radius: var(--od-radius-lg);
          box-shadow: var(--od-shadow-lg);
        }
        nav.open {
          display: block;
        }
        main {
          padding: var(--od-space-4);
        }
      }
    `,
  ];

  /** Id of the app to show. */
  appId = '';
  /** Id of the page to show; the first page when undefined. */
  pageId: string | undefined;
  /** The signed-in user and the server's sign-in mode. */
  session: Session | undefined;
  /** The app's client view, once loaded. */
  spec: ClientSpec | undefined;
  /** Error of the failed first load of the client view. */
  loadError: ApiError | undefined;
  /** Spec errors reported by the server, while the panel is open. */
  invalid: InvalidNotice | undefined;
  /** Whether the collapsed page navigation is open; it has no effect on wide screens. */
  navOpen = false;

  #events: EventSource | undefined;
  #loadedAppId: string | undefined;
  #loadSequence = 0;

  readonly #onDocumentKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || !this.navOpen) return;
    // A row menu or dialog that handled this Escape marks it, and closing the navigation too would move the focus away from it.
    if (event.defaultPrevented) return;
    event.preventDefault();
    this.#closeNav(true);
  };

  readonly #onDocumentClick = (event: MouseEvent): void => {
    if (!this.navOpen) return;
    const path = event.composedPath();
    const nav = this.renderRoot.querySelector('nav');
    const toggle = this.renderRoot.querySelector('[data-testid="nav-toggle"]');
    if ((nav && path.includes(nav)) || (toggle && path.includes(toggle))) return;
    this.#closeNav(false);
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#closeEvents();
    this.#loadedAppId = undefined;
    document.removeEventListener('keydown', this.#onDocumentKeydown);
    document.removeEventListener('click', this.#onDocumentClick);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.#onDocumentKeydown);
    document.addEventListener('click', this.#onDocumentClick);
    // Reattached after leaving the app: load and subscribe again.
    if (this.appId && this.#loadedAppId === undefined && this.hasUpdated) this.requestUpdate();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (this.appId && this.appId !== this.#loadedAppId) {
      this.#loadedAppId = this.appId;
      this.spec = undefined;
      this.loadError = undefined;
      this.invalid = undefined;
      void this.#loadSpec(false);
      this.#openEvents();
    }
    if (changed.has('pageId') || changed.has('spec')) this.#redirectToFirstPage();
    if (changed.has('pageId') || changed.has('appId')) this.navOpen = false;
  }

  #toggleNav(): void {
    this.navOpen = !this.navOpen;
  }

  /** Closes the collapsed navigation; with `focusToggle`, focus returns to its button, as after Escape. */
  #closeNav(focusToggle: boolean): void {
    this.navOpen = false;
    if (focusToggle) this.renderRoot.querySelector<HTMLElement>('[data-testid="nav-toggle"]')?.focus();
  }

  #onNavFocusOut(event: FocusEvent): void {
    // Tabbing past the last page link closes the menu, so it never covers the content that receives the focus.
    const next = event.relatedTarget;
    const area = event.currentTarget as HTMLElement;
    if (this.navOpen && next instanceof Node && !area.contains(next)) this.navOpen = false;
  }

  #onNavClick(event: Event): void {
    // Choosing the page already shown changes no route, so the menu closes here too.
    if (event.composedPath().some((target) => target instanceof HTMLAnchorElement)) this.navOpen = false;
  }

  #redirectToFirstPage(): void {
    if (this.pageId === undefined && this.spec && this.spec.pages.length > 0) {
      navigate(appPath(this.appId, this.spec.pages[0].id), { replace: true });
    }
  }

  override updated(): void {
    const page = this.spec?.pages.find((candidate) => candidate.id === this.pageId);
    document.title = page && this.spec ? `${page.title} · ${this.spec.title}` : this.spec?.title ?? 'Opsdeck';
  }

  async #loadSpec(announce: boolean): Promise<void> {
    const sequence = ++this.#loadSequence;
    const appId = this.appId;
    try {
      const spec = await apiGet<ClientSpec>(`/api/apps/${segment(appId)}/spec`);
      if (sequence !== this.#loadSequence) return;
      const changed = this.spec !== undefined && this.spec.version !== spec.version;
      this.spec = spec;
      this.loadError = undefined;
      if (announce && changed) showToast('App updated', 'info');
    } catch (error) {
      if (sequence !== this.#loadSequence) return;
      // After a failed reload the last version stays on screen; only a first load shows the error.
      if (!this.spec) this.loadError = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    }
  }

  #openEvents(): void {
    this.#closeEvents();
    const source = new EventSource(`/api/apps/${segment(this.appId)}/events`);
    source.addEventListener('reload', (event) => {
      const version = readVersion((event as MessageEvent).data);
      this.invalid = undefined;
      if (version !== undefined && version === this.spec?.version) return;
      void this.#loadSpec(true);
    });
    source.addEventListener('invalid', (event) => {
      this.invalid = { diagnostics: readDiagnostics((event as MessageEvent).data) };
    });
    this.#events = source;
  }

  #closeEvents(): void {
    this.#events?.close();
    this.#events = undefined;
  }

  override render() {
    const spec = this.spec;
    return html`
      <od-top-bar
        .heading=${spec?.title ?? ''}
        .headingHref=${spec ? appPath(this.appId) : ''}
        .user=${spec?.user ?? this.session?.user}
      ></od-top-bar>
      ${this.session?.mode === 'dev'
        ? html`<div class="dev-banner" data-testid="dev-banner">Development mode: users sign in without a password. Do not use in production.</div>`
        : nothing}
      ${this.#renderInvalid()} ${spec ? this.#renderApp(spec) : this.#renderLoading()}
    `;
  }

  #renderLoading() {
    if (!this.loadError) return html`<main aria-busy="true"><p class="muted">Loading…</p></main>`;
    const error = this.loadError;
    const title = error.status === 404 ? 'App not found' : error.status === 503 ? 'App unavailable' : 'The app could not be loaded';
    return html`
      <main>
        <div class="message" role="alert" data-testid="app-error">
          <h1>${title}</h1>
          <p>${error.message}</p>
          <p><a href="/" data-route>Back to all apps</a></p>
        </div>
      </main>
    `;
  }

  #renderApp(spec: ClientSpec) {
    const page = spec.pages.find((candidate) => candidate.id === this.pageId);
    return html`
      <div class="layout">
        <div class="nav-area" @focusout=${this.#onNavFocusOut}>
          <div class="nav-bar">
            <button
              class="btn small"
              type="button"
              data-testid="nav-toggle"
              aria-controls="page-nav"
              aria-expanded=${this.navOpen ? 'true' : 'false'}
              @click=${() => this.#toggleNav()}
            >
              <span aria-hidden="true">☰</span> Pages
            </button>
            ${page ? html`<span class="current">${page.title}</span>` : nothing}
          </div>
          <nav id="page-nav" aria-label="Pages" class=${this.navOpen ? 'open' : ''} @click=${this.#onNavClick}>
            <h2>Pages</h2>
            <ul>
              ${spec.pages.map(
                (candidate) => html`<li>
                  <a
                    href=${appPath(this.appId, candidate.id)}
                    data-route
                    data-page=${candidate.id}
                    aria-current=${candidate.id === this.pageId ? 'page' : nothing}
                    >${candidate.title}</a
                  >
                </li>`,
              )}
              ${spec.approvals
                ? html`<li>
                    <a
                      href=${appPath(this.appId, APPROVALS_PAGE)}
                      data-route
                      data-page=${APPROVALS_PAGE}
                      aria-current=${this.pageId === APPROVALS_PAGE ? 'page' : nothing}
                      >Approvals</a
                    >
                  </li>`
                : nothing}
              ${hasJobs(spec)
                ? html`<li>
                    <a
                      href=${appPath(this.appId, JOBS_PAGE)}
                      data-route
                      data-page=${JOBS_PAGE}
                      aria-current=${this.pageId === JOBS_PAGE ? 'page' : nothing}
                      >Jobs</a
                    >
                  </li>`
                : nothing}
              ${mayViewAudit(spec)
                ? html`<li>
                    <a
                      href=${appPath(this.appId, AUDIT_PAGE)}
                      data-route
                      data-page=${AUDIT_PAGE}
                      aria-current=${this.pageId === AUDIT_PAGE ? 'page' : nothing}
                      >Audit</a
                    >
                  </li>`
                : nothing}
            </ul>
          </nav>
        </div>
        <main>
          ${page
            ? html`
                <div class="page-header">
                  <h1 data-testid="page-title">${page.title}</h1>
                  ${page.description ? html`<p>${page.description}</p>` : nothing}
                </div>
                <od-page-view .appId=${this.appId} .spec=${spec} .page=${page}></od-page-view>
              `
            : this.pageId === APPROVALS_PAGE && spec.approvals
              ? html`
                  <div class="page-header">
                    <h1 data-testid="page-title">Approvals</h1>
                    <p>Requests of actions that need a second person. The action runs with the requester's values once approved.</p>
                  </div>
                  <od-approval-queue .appId=${this.appId} .spec=${spec}></od-approval-queue>
                `
              : this.pageId === JOBS_PAGE && hasJobs(spec)
                ? html`
                    <div class="page-header">
                      <h1 data-testid="page-title">Jobs</h1>
                      <p>Background jobs of this app: start one, follow its progress, and cancel or resume a run.</p>
                    </div>
                    <od-job-list .appId=${this.appId} .spec=${spec}></od-job-list>
                  `
              : this.pageId === AUDIT_PAGE && mayViewAudit(spec)
                ? html`
                    <div class="page-header">
                      <h1 data-testid="page-title">Audit</h1>
                      <p>Who did what in this app, newest first: queries, actions, denials and approvals.</p>
                    </div>
                    <od-audit-view .appId=${this.appId}></od-audit-view>
                  `
                : this.#renderMissingPage(spec)}
        </main>
      </div>
      ${this.#renderFooter(spec)}
    `;
  }

  #renderFooter(spec: ClientSpec) {
    // Inside git the spec version is a 12-character commit (maybe with -dirty); outside git a 64-character content hash.
    const version = spec.specVersion && spec.specVersion.length <= 18 ? spec.specVersion : (spec.specVersion || spec.version).slice(0, 12);
    const userId = spec.user?.id ?? this.session?.user.id;
    return html`
      <footer class="app-footer" data-testid="app-footer">
        ${version ? html`<span>Version <span class="version" data-testid="spec-version">${version}</span></span>` : nothing}
        ${userId ? html`<span>Signed in as <span data-testid="footer-user">${userId}</span></span>` : nothing}
      </footer>
    `;
  }

  #renderMissingPage(spec: ClientSpec) {
    if (spec.pages.length === 0) {
      return html`<div class="message"><h1>No pages</h1><p>You may not view any page of this app. Ask an admin to add you to a role.</p></div>`;
    }
    if (this.pageId === undefined) return nothing;
    return html`
      <div class="message" role="alert">
        <h1>Page not found</h1>
        <p>This app has no page "${this.pageId}" that you may view.</p>
        <p><a href=${appPath(this.appId, spec.pages[0].id)} data-route>Open ${spec.pages[0].title}</a></p>
      </div>
    `;
  }

  #renderInvalid() {
    const invalid = this.invalid;
    if (!invalid) return nothing;
    return html`
      <section class="invalid" role="alert" aria-labelledby="invalid-title" data-testid="spec-errors">
        <header>
          <h2 id="invalid-title">The app's spec has errors</h2>
          <p class="note">
            The last good version is still served. Fix the spec and save it to reload.
            ${invalid.diagnostics.length === 0 ? 'Details are in the server log.' : nothing}
          </p>
          <button class="btn ghost small" type="button" data-testid="dismiss-errors" aria-label="Dismiss spec errors" @click=${() => (this.invalid = undefined)}>✕</button>
        </header>
        ${invalid.diagnostics.length > 0
          ? html`<ul>
              ${invalid.diagnostics.map(
                (diagnostic) => html`<li class="diagnostic" data-testid="diagnostic">
                  <span class="location">${diagnostic.file}:${diagnostic.line}:${diagnostic.col}</span>
                  <span class="code">${diagnostic.code}</span>
                  <span>${diagnostic.message}</span>
                  ${diagnostic.hint ? html`<div class="hint">${diagnostic.hint}</div>` : nothing}
                </li>`,
              )}
            </ul>`
          : nothing}
      </section>
    `;
  }
}

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function readVersion(data: unknown): string | undefined {
  const parsed = parseJson(data) as { version?: unknown } | undefined;
  return typeof parsed?.version === 'string' ? parsed.version : undefined;
}

/** Reads the diagnostics of an `invalid` event, skipping entries that lack a field. */
function readDiagnostics(data: unknown): ClientDiagnostic[] {
  const parsed = parseJson(data) as { diagnostics?: unknown } | undefined;
  if (!Array.isArray(parsed?.diagnostics)) return [];
  return parsed.diagnostics.filter(
    (item): item is ClientDiagnostic =>
      typeof item === 'object' &&
      item !== null &&
      typeof item.code === 'string' &&
      typeof item.file === 'string' &&
      typeof item.message === 'string',
  );
}

customElements.define('od-app-shell', AppShell);
