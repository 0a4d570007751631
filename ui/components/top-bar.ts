// The bar across the top of every signed-in screen: a title, the user and a sign-out button.
import { LitElement, css, html, nothing } from 'lit';
import type { User } from '../client-spec.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';

/** Top bar. Fires `od-sign-out` (bubbles, composed) when the user clicks "Sign out". */
export class TopBar extends LitElement {
  static override properties = {
    heading: { type: String },
    headingHref: { type: String },
    user: { attribute: false },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        align-items: center;
        gap: var(--od-space-4);
        height: var(--od-topbar-height);
        padding: 0 var(--od-space-4);
        border-bottom: 1px solid var(--od-border);
        background: var(--od-surface);
      }
      .brand {
        display: flex;
        align-items: center;
        gap: var(--od-space-2);
        min-width: 0;
        color: var(--od-text);
        font-weight: 600;
        font-size: var(--od-font-size-lg);
      }
      .brand a {
        color: inherit;
      }
      .logo {
        flex: none;
        display: grid;
        place-items: center;
        width: 24px;
        height: 24px;
        border-radius: var(--od-radius);
        background: var(--od-accent);
        color: var(--od-accent-text);
        font-size: 13px;
        font-weight: 700;
      }
      .home {
        color: var(--od-text-muted);
        font-weight: 500;
        font-size: var(--od-font-size);
      }
      .separator {
        color: var(--od-border-strong);
      }
      .title {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .spacer {
        flex: 1;
      }
      .user {
        display: flex;
        align-items: center;
        gap: var(--od-space-2);
        min-width: 0;
      }
      .avatar {
        flex: none;
        display: grid;
        place-items: center;
        width: 28px;
        height: 28px;
        border-radius: 50%;
        background: var(--od-accent-soft);
        color: var(--od-accent);
        font-weight: 600;
        font-size: var(--od-font-size-sm);
      }
      .name {
        font-weight: 500;
        white-space: nowrap;
      }
      .groups {
        display: flex;
        gap: var(--od-space-1);
        overflow: hidden;
      }
      .group {
        padding: 0 6px;
        border: 1px solid var(--od-border);
        border-radius: 999px;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-xs);
        line-height: 18px;
        white-space: nowrap;
      }
      @media (max-width: 900px) {
        .groups {
          display: none;
        }
      }
    `,
  ];

  /** Text next to the logo, such as the app's title. */
  heading = '';
  /** Link target of the heading; empty for plain text. */
  headingHref = '';
  /** The signed-in user, if known. */
  user: User | undefined;

  #signOut(): void {
    this.dispatchEvent(new CustomEvent('od-sign-out', { bubbles: true, composed: true }));
  }

  override render() {
    const user = this.user;
    const name = user?.name || user?.id || '';
    return html`
      <header>
        <div class="brand">
          <span class="logo" aria-hidden="true">O</span>
          <a class="home" href="/" data-route>Opsdeck</a>
          ${this.heading
            ? html`<span class="separator" aria-hidden="true">/</span>
                ${this.headingHref
                  ? html`<a class="title" href=${this.headingHref} data-route data-testid="app-title">${this.heading}</a>`
                  : html`<span class="title" data-testid="app-title">${this.heading}</span>`}`
            : nothing}
        </div>
        <div class="spacer"></div>
        ${user
          ? html`
              <div class="user" data-testid="user">
                <span class="avatar" aria-hidden="true">${name.charAt(0).toUpperCase()}</span>
                <span class="name" title=${user.id}>${name}</span>
                <span class="groups" aria-label="Groups">
                  ${user.groups.map((group) => html`<span class="group">${group}</span>`)}
                </span>
              </div>
              <button class="btn small" type="button" data-testid="sign-out" @click=${() => this.#signOut()}>Sign out</button>
            `
          : nothing}
      </header>
    `;
  }
}

customElements.define('od-top-bar', TopBar);
