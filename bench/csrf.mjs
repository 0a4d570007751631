// Adds what a state-changing request needs besides identity: the CSRF cookie
// and the token that GET /api/session issues for it.
export async function withCsrf(baseUrl, headers = {}) {
  const response = await fetch(`${baseUrl}/api/session`, { headers });
  await response.arrayBuffer();
  const token = response.headers.get('x-csrf-token');
  if (!token) return headers;
  const issued = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  const cookie = [headers.cookie, ...issued].filter(Boolean).join('; ');
  return { ...headers, cookie, 'x-csrf-token': token };
}
