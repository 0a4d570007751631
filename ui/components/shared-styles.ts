// Styles shared by several components: buttons, inputs, cards, visually hidden text.
import { css } from 'lit';

/** Buttons: `.btn` with `.primary`, `.danger`, `.ghost` and `.small` variants. */
export const buttonStyles = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  .btn {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--od-space-1);
    height: 32px;
    padding: 0 var(--od-space-3);
    border: 1px solid var(--od-border-strong);
    border-radius: var(--od-radius);
    background: var(--od-surface);
    color: var(--od-text);
    font: inherit;
    font-size: var(--od-font-size);
    font-weight: 500;
    line-height: 1;
    white-space: nowrap;
    cursor: pointer;
    box-shadow: var(--od-shadow-sm);
    transition: background-color 0.12s, border-color 0.12s, color 0.12s;
  }
  .btn:hover:not(:disabled) {
    background: var(--od-surface-muted);
  }
  .btn:focus-visible {
    outline: none;
    box-shadow: var(--od-focus-ring);
  }
  .btn:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  .btn.primary {
    background: var(--od-accent);
    border-color: var(--od-accent);
    color: var(--od-accent-text);
  }
  .btn.primary:hover:not(:disabled) {
    background: var(--od-accent-hover);
    border-color: var(--od-accent-hover);
  }
  .btn.danger {
    background: var(--od-surface);
    border-color: var(--od-danger);
    color: var(--od-danger);
  }
  .btn.danger:hover:not(:disabled) {
    background: var(--od-danger-soft);
  }
  .btn.danger.solid {
    background: var(--od-danger);
    color: var(--od-danger-text);
  }
  .btn.danger.solid:hover:not(:disabled) {
    background: var(--od-danger-hover);
  }
  .btn.ghost {
    border-color: transparent;
    background: transparent;
    box-shadow: none;
  }
  .btn.ghost:hover:not(:disabled) {
    background: var(--od-surface-muted);
  }
  .btn.small {
    height: 26px;
    padding: 0 var(--od-space-2);
    font-size: var(--od-font-size-sm);
  }
`;

/** Text inputs, selects and text areas. */
export const inputStyles = css`
  .input {
    box-sizing: border-box;
    width: 100%;
    min-height: 34px;
    padding: 6px var(--od-space-3);
    border: 1px solid var(--od-border-strong);
    border-radius: var(--od-radius);
    background: var(--od-surface);
    color: var(--od-text);
    font: inherit;
    font-size: var(--od-font-size);
  }
  textarea.input {
    min-height: 88px;
    resize: vertical;
  }
  .input:focus-visible {
    outline: none;
    border-color: var(--od-accent);
    box-shadow: 0 0 0 3px var(--od-accent-soft);
  }
  .input[aria-invalid='true'] {
    border-color: var(--od-danger);
  }
  .input[aria-invalid='true']:focus-visible {
    box-shadow: 0 0 0 3px var(--od-danger-soft);
  }
`;

/** The frame and backdrop of a `<dialog>`; each dialog sets its own size, padding, radius and background. */
export const dialogStyles = css`
  dialog {
    border: 1px solid var(--od-border);
    color: var(--od-text);
    box-shadow: var(--od-shadow-lg);
    font-family: var(--od-font);
    font-size: var(--od-font-size);
  }
  dialog::backdrop {
    background: var(--od-backdrop);
  }
`;

/** Helpers: `.visually-hidden` keeps text for screen readers only; `.card` is a bordered surface. */
export const utilityStyles = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .card {
    background: var(--od-surface);
    border: 1px solid var(--od-border);
    border-radius: var(--od-radius-lg);
    box-shadow: var(--od-shadow-sm);
  }
  .muted {
    color: var(--od-text-muted);
  }
  a {
    color: var(--od-accent);
    text-decoration: none;
  }
  a:hover {
    text-decoration: underline;
  }
  a:focus-visible {
    outline: none;
    border-radius: 2px;
    box-shadow: var(--od-focus-ring);
  }
`;
