// The sign-in routes of the `oidc` identity mode:
// GET /auth/login starts the authorization code flow with PKCE, state and nonce;
// GET /auth/callback checks the provider's response, writes the Opsdeck session and returns
// the browser to the page it came from. GET /auth/config tells the sign-in
// screen which mode the server runs in, before anyone is signed in.
import Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { HttpError } from '../http/errors.js';
import { writeSession } from '../http/sessions.js';
import { ClaimError, identityFromClaims } from './claims.js';
import { describeError, ProviderUnavailable, type OidcClient } from './client.js';
import { errorPageForBrowsers } from './error-page.js';
import { clearLoginState, readLoginState, safeReturnTo, writeLoginState } from './login-state.js';

export interface OidcRouteOptions {
  client: OidcClient;
  log: Logger;
  sessionMaxAgeMs: number;
  /** Called before the session is written, to write the sign-in's audit record; when it raises, the sign-in fails and no session is set. */
  onSignIn?: (identity: Identity) => Promise<void>;
}

/** Longest provider error description copied into an error message. */
const MAX_DESCRIPTION_LENGTH = 300;

/** Builds the router for /auth. */
export function oidcRouter(options: OidcRouteOptions): Router {
  const { client: oidc, log } = options;
  const router = new Router({ prefix: '/auth' });
  router.use(errorPageForBrowsers);

  router.get('/config', (ctx) => {
    ctx.body = { mode: 'oidc', loginUrl: '/auth/login' };
  });

  router.get('/login', async (ctx) => {
    const configuration = await providerConfiguration(oidc);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    writeLoginState(ctx, { state, nonce, codeVerifier, returnTo: safeReturnTo(ctx.query.returnTo) });
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: oidc.settings.redirectUrl,
      scope: oidc.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const login = readLoginState(ctx);
    clearLoginState(ctx);
    if (login === undefined) {
      throw new HttpError(400, 'oidc_no_login', 'No sign-in is in progress in this browser, or it took longer than 10 minutes. Open /auth/login to sign in again.');
    }
    if (ctx.query.state !== login.state) {
      log.warn({ path: ctx.path }, 'oidc callback with a state of another sign-in');
      throw new HttpError(400, 'oidc_state_mismatch', 'This sign-in response belongs to a sign-in started elsewhere (its state does not match this browser). Open /auth/login to sign in again.');
    }
    const configuration = await providerConfiguration(oidc);

    // The current URL is rebuilt from the configured redirect URL, never from the Host header.
    const currentUrl = new URL(oidc.settings.redirectUrl);
    currentUrl.search = ctx.querystring;
    const identity = await signIn(ctx, configuration, currentUrl, login, options);

    await options.onSignIn?.(identity);
    writeSession(ctx, identity, options.sessionMaxAgeMs);
    log.info({ user: identity.id, groups: identity.groups }, 'oidc sign-in');
    ctx.redirect(safeReturnTo(login.returnTo));
  });

  return router;
}

async function providerConfiguration(oidc: OidcClient): Promise<client.Configuration> {
  try {
    return await oidc.configuration();
  } catch (err) {
    if (err instanceof ProviderUnavailable) throw new HttpError(503, 'oidc_unavailable', `${err.message} Try again in a minute; if it persists, ask an admin to check identity.oidc.issuer.`);
    throw err;
  }
}

/** Exchanges the code, validates the ID token and reads the identity from its claims and the userinfo response. */
async function signIn(ctx: Context, configuration: client.Configuration, currentUrl: URL, login: { state: string; nonce: string; codeVerifier: string }, options: OidcRouteOptions): Promise<Identity> {
  const { log } = options;
  try {
    const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (idClaims === undefined) throw new HttpError(502, 'oidc_invalid_response', 'The sign-in provider did not return an ID token.');
    let claims: Record<string, unknown> = { ...idClaims };
    if (configuration.serverMetadata().userinfo_endpoint !== undefined) {
      const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      claims = { ...userinfo, ...idClaims };
    }
    return identityFromClaims(claims, options.client.settings);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const known = callbackError(err);
    log.warn({ path: ctx.path, code: known.code, reason: err instanceof Error ? describeError(err) : String(err) }, 'oidc sign-in rejected');
    throw known;
  }
}

/** Maps what openid-client raises during the callback to an HTTP error for the browser. */
function callbackError(err: unknown): HttpError {
  if (err instanceof ClaimError) return new HttpError(403, 'oidc_invalid_claims', err.message);
  if (err instanceof client.AuthorizationResponseError) {
    return new HttpError(401, 'oidc_denied', `The sign-in provider did not sign you in: ${err.error}${err.error_description ? ` (${truncate(err.error_description)})` : ''}. Open /auth/login to try again.`);
  }
  if (err instanceof client.ResponseBodyError) {
    return new HttpError(400, 'oidc_code_rejected', `The sign-in provider rejected the authorization code (${err.error}): it was already used, has expired or belongs to another client. Open /auth/login to sign in again.`);
  }
  if (err instanceof client.ClientError) {
    return new HttpError(400, 'oidc_invalid_response', `The sign-in provider's response failed validation: ${truncate(describeError(err))}. Open /auth/login to sign in again; if it persists, ask an admin to check identity.oidc.`);
  }
  return new HttpError(502, 'oidc_unavailable', 'The sign-in provider could not be reached to complete the sign-in. Try again in a minute.');
}

function truncate(text: string): string {
  return text.length > MAX_DESCRIPTION_LENGTH ? `${text.slice(0, MAX_DESCRIPTION_LENGTH)}…` : text;
}
