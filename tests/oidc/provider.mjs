// A real OpenID provider for the pane's single sign-on tests: panva's oidc-provider (OpenID Certified),
// with its development login and consent pages (any login name; no password check). Configured from
// the environment by tests/pane/oidckit.py:
//   OIDC_ISSUER   http://localhost:PORT (the browser's cookies for it stay apart from the pane's 127.0.0.1)
//   OIDC_CLIENT   {"client_id", "client_secret", "redirect_uris": [...]}
//   OIDC_PEOPLE   {"login name": ["group", ...]}: the groups claim of each person
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const issuer = process.env.OIDC_ISSUER;
const client = JSON.parse(process.env.OIDC_CLIENT);
const people = JSON.parse(process.env.OIDC_PEOPLE);

const provider = new Provider(issuer, {
  clients: [{ ...client, grant_types: ['authorization_code'], response_types: ['code'] }],
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, preferred_username: id, groups: people[id] ?? [] }),
  }),
  claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'groups'],
  conformIdTokenClaims: false, // the groups go into the ID token, where the pane reads them
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(32).toString('hex')] },
});

const port = Number(new URL(issuer).port);
for (const host of ['127.0.0.1', '::1']) {
  http.createServer(provider.callback()).on('error', (err) => {
    if (host === '127.0.0.1') throw err; // no IPv6 loopback here: 127.0.0.1 serves localhost alone
  }).listen(port, host);
}
console.log(`oidc-provider ${issuer} ready`);
