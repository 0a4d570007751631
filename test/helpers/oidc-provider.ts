// A real OpenID Connect provider (the oidc-provider package, 8.6) on
// 127.0.0.1 for sign-in tests, with its development login form, a few
// accounts, and helpers that drive the flow over HTTP with cookie jars.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

/** Claims of each test account, by login name typed into the provider's form. */
export const ACCOUNTS: Record<string, Record<string, unknown>> = {
  'ana@example.com': { sub: 'ana-0001', email: 'ana@example.com', email_verified: true, name: 'Ana Agent', groups: ['support', 'support-leads'], region: 'emea' },
  // The groups claim is one string that contains a comma: it is one group, not two.
  'sam@example.com': { sub: 'sam-0002', email: 'sam@example.com', name: 'Sam Single', groups: 'support, sales' },
  'bad@example.com': { sub: 'bad-0003', email: 'bad@example.com', name: 'Bad Groups', groups: [1, 2] },
  'noemail': { sub: 'no-email-0004', name: 'No Email', groups: ['support'] },
};

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface TestProvider {
  issuer: string;
  provider: Provider;
  close(): Promise<void>;
}

/** Returns a TCP port of 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a provider whose issuer is `http://127.0.0.1:<port>`. Scope `profile`
 * releases `name`, `groups` and `region`; the provider puts them in the
 * userinfo response, and the ID token holds `sub` and the standard claims.
 */
export async function startProvider(clients: TestClient[], port?: number): Promise<TestProvider> {
  const listenPort = port ?? (await freePort());
  const issuer = `http://127.0.0.1:${listenPort}`;
  const metadata: ClientMetadata[] = clients.map((client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }));
  const provider = new Provider(issuer, {
    clients: metadata,
    cookies: { keys: ['test-provider-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups', 'region'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx, id) {
      const claims = ACCOUNTS[id];
      if (claims === undefined) return undefined;
      return { accountId: id, claims: async () => ({ ...claims, sub: claims.sub as string }) };
    },
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  return {
    issuer,
    provider,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Cookies of one browser for one host, kept by name. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === '';
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }
}

/** Sends a GET with the jar's cookies, without following redirects, and stores the cookies of the response. */
export async function get(url: string, jar: CookieJar): Promise<Response> {
  const response = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.store(response);
  return response;
}

/**
 * Signs in at the provider, from its authorization URL to the redirect back
 * to the client, as a browser would: it follows redirects, fills the login
 * form with `login` and confirms the consent form. Returns the callback URL
 * the provider redirected to, without opening it.
 */
export async function authorizeAtProvider(authorizationUrl: string, login: string, jar: CookieJar, callbackPrefix: string): Promise<string> {
  let url = authorizationUrl;
  for (let step = 0; step < 12; step += 1) {
    if (url.startsWith(callbackPrefix)) return url;
    const response = await get(url, jar);
    const location = response.headers.get('location');
    if (location !== null) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) throw new Error(`the provider responded ${response.status} without a redirect or form at ${url}:\n${html.slice(0, 500)}`);
    const form = new URLSearchParams({ prompt });
    if (prompt === 'login') {
      form.set('login', login);
      form.set('password', 'any-password');
    }
    const submitted = await fetch(new URL(action, url), { method: 'POST', body: form, headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    jar.store(submitted);
    const next = submitted.headers.get('location');
    if (next === null) throw new Error(`the provider's ${prompt} form responded ${submitted.status} without a redirect: ${(await submitted.text()).slice(0, 500)}`);
    url = new URL(next, url).href;
  }
  throw new Error(`the provider did not redirect to ${callbackPrefix} within 12 steps; last URL ${url}`);
}
