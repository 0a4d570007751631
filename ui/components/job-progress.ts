// The progress bar of a job run: a filled bar when the run reports a fraction,
// a moving stripe when it does not, and the sentence "step 2 of 3 · 12,400 of
// 80,000 rows · about 1 min left" under it.
import { LitElement, css, html, nothing } from 'lit';
import type { JobProgress, JobRunStatus } from '../client-spec.js';
import { isActive, progressPercent, progressSentence, statusTone } from '../job-text.js';

/**
 * Shows a run's progress as an ARIA progress bar. Without a fraction the bar has
 * no `aria-valuenow`, which assistive technology reads as indeterminate.
 */
export class JobProgressBar extends LitElement {
  static override properties = {
    progress: { attribute: false },
    status: { type: String, reflect: true },
    label: { type: String },
  };

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      gap: var(--od-space-1);
      min-width: 0;
    }
    .track {
      position: relative;
      height: 8px;
      overflow: hidden;
      border-radius: 999px;
      background: var(--od-surface-muted);
      box-shadow: inset 0 0 0 1px var(--od-border);
    }
    .fill {
      height: 100%;
      border-radius: inherit;
      background: var(--od-accent);
      transition: width 0.3s ease-out;
    }
    .track.success .fill {
      background: var(--od-success);
    }
    .track.danger .fill {
      background: var(--od-danger);
    }
    .track.warning .fill,
    .track.neutral .fill {
      background: var(--od-text-subtle);
    }
    .indeterminate .fill {
      position: absolute;
      width: 30%;
      animation: slide 1.4s ease-in-out infinite;
    }
    @keyframes slide {
      from {
        left: -30%;
      }
      to {
        left: 100%;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .fill {
        transition: none;
      }
      .indeterminate .fill {
        left: 0;
        width: 100%;
        opacity: 0.35;
        animation: none;
      }
    }
    .text {
      color: var(--od-text-muted);
      font-size: var(--od-font-size-sm);
      font-variant-numeric: tabular-nums;
    }
  `;

  /** The run's progress. */
  progress: JobProgress | undefined;
  /** The run's status, which colours the bar and decides whether it moves. */
  status: JobRunStatus | '' = '';
  /** Accessible name of the bar, such as the job's title. */
  label = 'Progress';

  override render() {
    const progress = this.progress;
    if (!progress) return nothing;
    const percent = progressPercent(progress);
    const sentence = progressSentence(progress, this.status);
    // A run that waits or moves without a known total shows a moving stripe; a finished one a full or partial bar.
    const moving = percent === undefined && isActive(this.status);
    const shown = percent ?? (this.status === 'succeeded' ? 100 : 0);
    const tone = statusTone(this.status);
    return html`
      <div
        class="track ${tone} ${moving ? 'indeterminate' : ''}"
        role="progressbar"
        aria-label=${this.label}
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${percent === undefined ? nothing : percent}
        aria-valuetext=${sentence || nothing}
        data-testid="job-progressbar"
      >
        <div class="fill" style=${moving ? '' : `width: ${shown}%`}></div>
      </div>
      ${sentence ? html`<span class="text" data-testid="job-progress-text">${sentence}</span>` : nothing}
    `;
  }
}

customElements.define('od-job-progress', JobProgressBar);
