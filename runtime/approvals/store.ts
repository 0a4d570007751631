// Approval requests of actions that need a second person (`approval:` in the
// spec): their shape, the events that change them, and the store interface.
// A request moves from pending to approved, rejected, expired or failed; an
// approved one then to executed or failed. Each change is one event, so the
// history can be replayed.
import type { PreviewResult } from '../actions/preview.js';
import type { IdentityAttribute } from '../identity.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

/** The person who sent a request, kept whole so the action later runs as them. */
export interface Requester {
  id: string;
  name: string;
  groups: string[];
  attributes: Record<string, IdentityAttribute>;
}

/** The person who approved or rejected a request. */
export interface Decider {
  id: string;
  name: string;
}

/** The fields of a new request; the store adds its status. */
export interface NewApprovalRequest {
  id: string;
  app: string;
  action: string;
  /** Checked parameter values, secret ones included; they never leave the server. */
  params: Record<string, unknown>;
  /** The same values with secret ones masked, for lists and audit records. */
  maskedParams: Record<string, unknown>;
  requester: Requester;
  createdAt: string;
  expiresAt: string;
  /** Result of the action's preview when the request was sent, for actions that offer one. */
  preview?: PreviewResult;
  /** Version of the app's spec when the request was sent. */
  specVersion: string;
}

export interface ApprovalRequest extends NewApprovalRequest {
  status: ApprovalStatus;
  /** The approval or rejection. */
  decision?: { status: 'approved' | 'rejected'; by: Decider; at: string; comment?: string };
  /** Outcome of the run after approval, or the reason the request failed; set with status executed or failed. */
  result?: { at: string; changes?: number; error?: string };
  /** Time it expired; set with status expired. */
  expiredAt?: string;
}

/** One change of a request, as the store records it. */
export type ApprovalEvent =
  | { type: 'created'; at: string; request: NewApprovalRequest }
  | { type: 'approved' | 'rejected'; id: string; at: string; by: Decider; comment?: string }
  | { type: 'expired'; id: string; at: string }
  | { type: 'executed'; id: string; at: string; changes?: number }
  | { type: 'failed'; id: string; at: string; error: string };

/** Raised when an event does not apply to the request's current status; callers check the status first. */
export class ApprovalConflict extends Error {}

/** Raised when the store cannot record an event; nothing changed then. */
export class ApprovalStoreUnavailable extends Error {}

/**
 * Stores approval requests. Every method is asynchronous so that a database
 * can back it. `record` applies an event only in a status it allows and
 * raises ApprovalConflict otherwise.
 */
export interface ApprovalStore {
  create(request: NewApprovalRequest): Promise<ApprovalRequest>;
  get(app: string, id: string): Promise<ApprovalRequest | undefined>;
  /** Every request of the app, in no particular order. */
  list(app: string): Promise<ApprovalRequest[]>;
  record(event: Exclude<ApprovalEvent, { type: 'created' }>): Promise<ApprovalRequest>;
}

const ALLOWED_FROM: Record<Exclude<ApprovalEvent['type'], 'created'>, ApprovalStatus[]> = {
  approved: ['pending'],
  rejected: ['pending'],
  expired: ['pending'],
  // A pending request fails when the spec changed under it; an approved one when its run failed.
  failed: ['pending', 'approved'],
  executed: ['approved'],
};

/** Returns the request after the event, or raises ApprovalConflict when the event does not apply to its status. */
export function applyEvent(current: ApprovalRequest | undefined, event: ApprovalEvent): ApprovalRequest {
  if (event.type === 'created') {
    if (current !== undefined) throw new ApprovalConflict(`approval request ${event.request.id} already exists`);
    return { ...event.request, status: 'pending' };
  }
  if (current === undefined) throw new ApprovalConflict(`approval request ${event.id} does not exist`);
  if (!ALLOWED_FROM[event.type].includes(current.status)) {
    throw new ApprovalConflict(`approval request ${event.id} is ${current.status}, so it cannot become ${event.type}`);
  }
  switch (event.type) {
    case 'approved':
    case 'rejected':
      return { ...current, status: event.type, decision: { status: event.type, by: event.by, at: event.at, ...(event.comment === undefined ? {} : { comment: event.comment }) } };
    case 'expired':
      return { ...current, status: 'expired', expiredAt: event.at };
    case 'executed':
      return { ...current, status: 'executed', result: { at: event.at, ...(event.changes === undefined ? {} : { changes: event.changes }) } };
    case 'failed':
      return { ...current, status: 'failed', result: { at: event.at, error: event.error } };
  }
}

/** Runs tasks one after another per key, so two decisions on one request never overlap. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
