// The OpenID Connect client of the `oidc` identity mode: provider discovery,
// kept once it succeeds and tried again on the next sign-in after a failure.
import * as client from 'openid-client';
import type { OidcSettings } from '../../core/settings.js';
import type { Logger } from '../log.js';

/** Seconds each request to the provider may take (openid-client's default is 30). */
const PROVIDER_TIMEOUT_SECONDS = 10;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Raised when the provider's discovery document cannot be read; the message names the issuer and the reason. */
export class ProviderUnavailable extends Error {}

/** Returns whether plain `http://` is accepted for this issuer: only on the loopback interface, for local tests. */
export function allowsPlainHttp(issuer: URL): boolean {
  return issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
}

export class OidcClient {
  readonly settings: OidcSettings;
  readonly #log: Logger;
  #configuration: client.Configuration | undefined;
  #pending: Promise<client.Configuration> | undefined;

  constructor(settings: OidcSettings, log: Logger) {
    this.settings = settings;
    this.#log = log;
  }

  /** Discovers the provider at start. A failure is logged, not raised, so the server still starts. */
  async start(): Promise<void> {
    try {
      await this.configuration();
    } catch {
      // configuration() logged the failure; the next sign-in tries again.
    }
  }

  /**
   * Returns the provider configuration, discovering it first if no earlier discovery succeeded.
   * NOTE: while the provider is down, every sign-in request tries discovery again (requests
   * at the same moment share one attempt), with no backoff.
   */
  configuration(): Promise<client.Configuration> {
    if (this.#configuration !== undefined) return Promise.resolve(this.#configuration);
    this.#pending ??= this.#discover().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * Returns the provider's end-session URL, or undefined when it has none or was never reached.
   * NOTE: the session cookie keeps no ID token, so the URL has no `id_token_hint` and
   * providers may ask the user to confirm the sign-out.
   */
  endSessionUrl(): string | undefined {
    const configuration = this.#configuration;
    if (configuration?.serverMetadata().end_session_endpoint === undefined) return undefined;
    const parameters: Record<string, string> = {};
    if (this.settings.postLogoutRedirectUrl !== undefined) parameters.post_logout_redirect_uri = this.settings.postLogoutRedirectUrl;
    return client.buildEndSessionUrl(configuration, parameters).href;
  }

  async #discover(): Promise<client.Configuration> {
    const issuer = new URL(this.settings.issuer);
    const options: client.DiscoveryRequestOptions = { timeout: PROVIDER_TIMEOUT_SECONDS };
    if (allowsPlainHttp(issuer)) options.execute = [client.allowInsecureRequests];
    try {
      const configuration = await client.discovery(issuer, this.settings.clientId, this.settings.clientSecret, client.ClientSecretBasic(this.settings.clientSecret), options);
      this.#configuration = configuration;
      this.#log.info({ issuer: this.settings.issuer, clientId: this.settings.clientId }, 'oidc provider discovered');
      return configuration;
    } catch (err) {
      const reason = err instanceof Error ? describeError(err) : String(err);
      this.#log.warn({ issuer: this.settings.issuer, reason }, 'oidc provider discovery failed');
      throw new ProviderUnavailable(`The sign-in provider ${this.settings.issuer} could not be reached or returned an invalid discovery document (${reason}).`);
    }
  }
}

/** Returns an error's message with the message of its cause, such as the `ECONNREFUSED` behind a failed fetch. */
export function describeError(err: Error): string {
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause !== undefined && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}
